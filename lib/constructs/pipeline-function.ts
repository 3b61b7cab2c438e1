import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ManagedPolicyRole } from './managed-policy-role';
import { SECURE_DEFAULTS } from './secure-defaults';

export interface PipelineFunctionProps {
  /** Path of the TypeScript handler module; it exports `handler`. */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /** Memory in MB (CPU scales with it). */
  readonly memorySize: number;
  readonly timeout: Duration;
  /**
   * Reserved concurrency: a cap that also guarantees capacity.
   * @default - none: the function draws from the account's unreserved pool
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Environment variables for the handler (names from lambdas/shared/config.ts).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /** Key that encrypts the function's log group; its policy must let CloudWatch Logs use it. */
  readonly logEncryptionKey: kms.IKey;
  /**
   * Days the log group keeps events.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * What happens to the log group when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * A dumpflow Lambda function: Node.js 24 on arm64, bundled locally by esbuild (no Docker), X-Ray
 * active tracing, JSON logs into an explicit KMS-encrypted log group with retention, and a role
 * that starts empty: only the log group is granted here; everything else comes from grant* calls.
 */
export class PipelineFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  public readonly role: ManagedPolicyRole;
  public readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PipelineFunctionProps) {
    super(scope, id);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    // Not AWSLambdaBasicExecutionRole: that managed policy may write to any log group.
    this.role = new ManagedPolicyRole(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role: ${props.description}`,
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: SECURE_DEFAULTS.runtime,
      architecture: SECURE_DEFAULTS.architecture,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: SECURE_DEFAULTS.tracing,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // Stack traces point into the TypeScript sources (the bundle ships its source map).
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        target: SECURE_DEFAULTS.bundlingTarget,
        minify: true,
        sourceMap: true,
        // The SDK is bundled, not taken from the runtime: the deployed code runs the exact SDK
        // versions the tests ran against, and esbuild keeps only the clients the handler imports.
        bundleAwsSDK: true,
        externalModules: [],
        mainFields: ['module', 'main'],
        forceDockerBundling: false,
        logLevel: nodejs.LogLevel.WARNING,
      },
    });

    Validations.of(this.role.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords (active tracing) have no resource-level permissions; ' +
        'AWS documents "*" as the only resource for them.',
    });
  }
}
