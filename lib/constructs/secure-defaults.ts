import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { PIPELINE_SETTINGS } from '../../lambdas/shared/pipeline-settings';
import type { ContributorInsightsChoice, RemovalChoice } from '../config';

/**
 * The secure defaults every dumpflow construct applies, kept in one place so a reviewer can check
 * them once and a change reaches every resource.
 */
export const SECURE_DEFAULTS = {
  /** Messages that keep failing wait here for a human; the SQS maximum. */
  deadLetterRetention: Duration.days(14),
  /**
   * Standard queues keep a message's original enqueue time when it moves to the DLQ, so the DLQ
   * must retain longer than the source queue or moved messages could expire at once.
   */
  queueRetention: Duration.days(4),
  /** AWS's guidance for SQS event sources: at least six times the function timeout. */
  visibilityTimeoutFactor: PIPELINE_SETTINGS.visibilityTimeoutFactor,
  /** How often a message may be received before it moves to the DLQ. */
  maxReceiveCount: PIPELINE_SETTINGS.maxReceiveCount,
  keyRotation: true,
  /** The shortest deletion window KMS allows, used only when the stack is meant to be destroyed. */
  keyPendingWindow: Duration.days(7),
  runtime: lambda.Runtime.NODEJS_24_X,
  architecture: lambda.Architecture.ARM_64,
  tracing: lambda.Tracing.ACTIVE,
  /** esbuild target matching the runtime. */
  bundlingTarget: 'node24',
  /**
   * Contributor Insights would copy partition keys, which hold patient and device ids, into
   * CloudWatch outside the table's key: off unless a deployment asks for it.
   */
  contributorInsights: 'off' as ContributorInsightsChoice,
} as const;

/** Visibility timeout for a queue whose consumer has `functionTimeout` and batches for `batchingWindow`. */
export function visibilityTimeoutFor(
  functionTimeout: Duration,
  batchingWindow: Duration = Duration.seconds(0),
) {
  return Duration.seconds(
    SECURE_DEFAULTS.visibilityTimeoutFactor * functionTimeout.toSeconds() + batchingWindow.toSeconds(),
  );
}

export function removalPolicyOf(choice: RemovalChoice): RemovalPolicy {
  return choice === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}

export interface EncryptionKeyProps {
  /** What the key protects, shown in the KMS console. */
  readonly description: string;
  /**
   * What happens to the key when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** A customer-managed KMS key with yearly rotation; the account root administers it (CDK default policy). */
export function createEncryptionKey(scope: Construct, id: string, props: EncryptionKeyProps): kms.Key {
  const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
  return new kms.Key(scope, id, {
    description: props.description,
    enableKeyRotation: SECURE_DEFAULTS.keyRotation,
    removalPolicy,
    pendingWindow: removalPolicy === RemovalPolicy.DESTROY ? SECURE_DEFAULTS.keyPendingWindow : undefined,
  });
}
