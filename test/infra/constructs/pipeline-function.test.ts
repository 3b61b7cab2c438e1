import * as path from 'path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { PipelineFunction, type PipelineFunctionProps } from '../../../lib/constructs/pipeline-function';
import { grantsOf } from '../iam';
import { logicalIdOf, resourceNamed } from '../synth';

interface Built {
  readonly stack: Stack;
  readonly fn: PipelineFunction;
}

/**
 * The construct alone in a bare stack. Bundling is skipped as in ../synth.ts (CDK stages a
 * placeholder asset): the construct's own properties do not depend on esbuild's output.
 */
function build(props: Partial<PipelineFunctionProps> = {}): Built {
  const stack = new Stack(new App({ context: { [cxapi.BUNDLING_STACKS]: [] } }), 'Test');
  const fn = new PipelineFunction(stack, 'Parser', {
    entry: path.join(__dirname, 'fixtures', 'handler.ts'),
    description: 'parses dumps',
    memorySize: 512,
    timeout: Duration.seconds(30),
    logEncryptionKey: new kms.Key(stack, 'LogKey'),
    ...props,
  });
  return { stack, fn };
}

describe('PipelineFunction', () => {
  describe('with default props', () => {
    let template: Template;
    beforeAll(() => {
      template = Template.fromStack(build().stack);
    });

    it('is Node.js 24 on arm64 with active tracing, JSON logs, the given memory and timeout', () => {
      template.resourceCountIs('AWS::Lambda::Function', 1);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Description: 'parses dumps',
        MemorySize: 512,
        Timeout: 30,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: {
          LogFormat: 'JSON',
          LogGroup: { Ref: logicalIdOf(template, 'AWS::Logs::LogGroup', 'ParserLogGroup') },
        },
        Role: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::IAM::Role', 'ParserRole'), 'Arn'] },
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
      });
    });

    it('has no reserved concurrency (draws from the unreserved pool)', () => {
      expect(
        resourceNamed(template, 'AWS::Lambda::Function', 'ParserFunction').properties,
      ).not.toHaveProperty('ReservedConcurrentExecutions');
    });

    it('logs to a KMS-encrypted, retained log group kept one month', () => {
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: {
          RetentionInDays: 30,
          KmsKeyId: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'LogKey'), 'Arn'] },
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    it('has a Lambda-assumed role with no managed AWS policy and no inline policy', () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
          ],
        },
        Description: 'Execution role: parses dumps',
      });
      expect(resourceNamed(template, 'AWS::IAM::Role', 'ParserRole').properties).not.toHaveProperty(
        'ManagedPolicyArns',
      );
      template.resourceCountIs('AWS::IAM::Policy', 0);
      template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    });

    it('grants only writes to its own log group and the X-Ray calls active tracing needs', () => {
      expect(grantsOf(template, 'ParserRole')).toEqual({
        '*': ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        'ParserLogGroup.Arn': ['logs:CreateLogStream', 'logs:PutLogEvents'],
      });
    });
  });

  describe('with non-default props', () => {
    it('sets reserved concurrency', () => {
      const template = Template.fromStack(build({ reservedConcurrentExecutions: 7 }).stack);
      template.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: 7 });
    });

    it('adds the environment beside NODE_OPTIONS', () => {
      const template = Template.fromStack(build({ environment: { TABLE_NAME: 'dumps' } }).stack);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', TABLE_NAME: 'dumps' } },
      });
    });

    it('follows logRetention and logRemovalPolicy', () => {
      const template = Template.fromStack(
        build({ logRetention: logs.RetentionDays.ONE_YEAR, logRemovalPolicy: RemovalPolicy.DESTROY }).stack,
      );
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: Match.objectLike({ RetentionInDays: 365 }),
        DeletionPolicy: 'Delete',
      });
    });
  });

  it('routes later grants into its managed policy, not an inline one', () => {
    const { stack, fn } = build();
    const bucket = new s3.Bucket(stack, 'Other');
    bucket.grantRead(fn.function);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    expect(grantsOf(template, 'ParserRole')).toMatchObject({
      'Other.Arn/*': ['s3:GetBucket*', 's3:GetObject*', 's3:List*'],
    });
  });
});
