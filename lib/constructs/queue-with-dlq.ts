import { Duration, Validations } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SECURE_DEFAULTS, visibilityTimeoutFor } from './secure-defaults';

export interface QueueWithDlqProps {
  /** Customer-managed key for the queue and its DLQ. */
  readonly encryptionKey: kms.IKey;
  /**
   * Timeout of the function that consumes the queue; the visibility timeout is six times it
   * (plus the batching window), AWS's guidance for SQS event sources.
   */
  readonly consumerTimeout: Duration;
  /**
   * Batching window of the consumer's event source.
   * @default Duration.seconds(0)
   */
  readonly consumerBatchingWindow?: Duration;
  /**
   * Receives before a message moves to the DLQ.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long the source queue keeps a message.
   * @default Duration.days(4)
   */
  readonly retentionPeriod?: Duration;
}

/**
 * A KMS-encrypted, TLS-only SQS queue with a DLQ (same key, 14-day retention) and a visibility
 * timeout derived from its consumer's timeout.
 */
export class QueueWithDlq extends Construct {
  public readonly queue: sqs.Queue;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly maxReceiveCount: number;

  constructor(scope: Construct, id: string, props: QueueWithDlqProps) {
    super(scope, id);
    this.maxReceiveCount = props.maxReceiveCount ?? SECURE_DEFAULTS.maxReceiveCount;
    const encryption = {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: props.encryptionKey,
      // Reuse data keys for 5 minutes: fewer KMS calls at 140 dumps/min, the AWS default is the same.
      dataKeyReuse: Duration.minutes(5),
      enforceSSL: true,
    } as const;
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      ...encryption,
      retentionPeriod: SECURE_DEFAULTS.deadLetterRetention,
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      ...encryption,
      retentionPeriod: props.retentionPeriod ?? SECURE_DEFAULTS.queueRetention,
      visibilityTimeout: visibilityTimeoutFor(props.consumerTimeout, props.consumerBatchingWindow),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: this.maxReceiveCount },
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'this queue is the dead-letter queue: messages here wait 14 days for a human (alarm on depth > 0); ' +
        'a DLQ behind the DLQ would only move them again.',
    });
  }
}
