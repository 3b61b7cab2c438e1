import { PIPELINE_SETTINGS } from '../../lambdas/shared/pipeline-settings';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { DEFAULT_STAGING_PREFIX } from '../../lambdas/core/storage/plan-fan-out';
import { createEncryptionKey } from './secure-defaults';

export interface DumpBucketProps {
  /**
   * Key for the dump objects (SSE-KMS with an S3 bucket key, so KMS is called per bucket key, not per object).
   * @default - a new customer-managed key with rotation
   */
  readonly encryptionKey?: kms.IKey;
  /**
   * Prefix devices upload to; only objects under it notify the dump queue.
   * @default 'incoming/'
   */
  readonly incomingPrefix?: string;
  /**
   * Prefix the parser copies rejected dumps to; it must not overlap incomingPrefix.
   * @default 'rejected/'
   */
  readonly rejectedPrefix?: string;
  /**
   * Prefix the parser stages dense device-days under for the workers (one object per day, named by
   * the dump's opaque id); it must not overlap the other two.
   * @default 'staging/'
   */
  readonly stagingPrefix?: string;
  /**
   * Days a staged day is kept. Its dump is final, or re-driven (which stages it again), long before.
   * @default 2
   */
  readonly stagingRetentionDays?: number;
  /**
   * Days an uploaded dump stays under incomingPrefix. It has been processed (or sits in a DLQ,
   * which keeps messages 14 days) long before; the events live on in the table.
   * @default 7
   */
  readonly processedRetentionDays?: number;
  /**
   * Days a rejected dump is kept for investigation.
   * @default 30
   */
  readonly rejectedRetentionDays?: number;
  /**
   * Days an overwritten or deleted object version is kept (versioning protects against accidents).
   * @default 7
   */
  readonly noncurrentRetentionDays?: number;
  /**
   * Days the access-log bucket keeps server access logs.
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * What happens to both buckets when they leave the stack. DESTROY also empties them first.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/*
 * The dump bucket: its prefixes (uploads, rejected copies, staged days), each prefix's lifecycle
 * and the grant that reaches only that prefix, side by side, which is why it is a little over 300
 * lines.
 */

/** Bucket-wide protections shared by the dump bucket and its access-log bucket. */
const PROTECTED_BUCKET = {
  blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
  enforceSSL: true,
  minimumTLSVersion: 1.2,
  versioned: true,
  objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
  eventBridgeEnabled: false,
} as const;

/**
 * The bucket devices upload dumps to: SSE-KMS with a customer-managed key, TLS 1.2+ only, no public
 * access, ACLs disabled, versioned, server access logs to a separate (equally locked-down) bucket,
 * and lifecycle rules that expire processed uploads, rejected copies, old versions and stale
 * multipart uploads. `notifyOnIncoming` wires ObjectCreated under the incoming prefix to a queue.
 */
export class DumpBucket extends Construct {
  public readonly bucket: s3.Bucket;
  public readonly accessLogsBucket: s3.Bucket;
  public readonly encryptionKey: kms.IKey;
  public readonly incomingPrefix: string;
  public readonly rejectedPrefix: string;
  public readonly stagingPrefix: string;

  constructor(scope: Construct, id: string, props: DumpBucketProps = {}) {
    super(scope, id);
    // Log delivery through a bucket policy, not the LogDeliveryWrite ACL: ACLs stay disabled
    // (BucketOwnerEnforced) on the log bucket too. Scoped here so the app needs no global flag.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const autoDeleteObjects = removalPolicy === RemovalPolicy.DESTROY;
    this.incomingPrefix = props.incomingPrefix ?? PIPELINE_SETTINGS.incomingPrefix;
    this.rejectedPrefix = props.rejectedPrefix ?? PIPELINE_SETTINGS.rejectedPrefix;
    this.stagingPrefix = props.stagingPrefix ?? DEFAULT_STAGING_PREFIX;
    const noncurrentVersionExpiration = Duration.days(props.noncurrentRetentionDays ?? 7);
    this.encryptionKey =
      props.encryptionKey ??
      createEncryptionKey(this, 'Key', { description: 'dumpflow uploaded dumps', removalPolicy });

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogs', {
      ...PROTECTED_BUCKET,
      // S3 server access logging cannot deliver to a bucket whose default encryption is SSE-KMS.
      encryption: s3.BucketEncryption.S3_MANAGED,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: Duration.days(props.accessLogRetentionDays ?? 365),
          noncurrentVersionExpiration,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
      removalPolicy,
      autoDeleteObjects,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      ...PROTECTED_BUCKET,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      bucketKeyEnabled: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'dump-bucket/',
      lifecycleRules: [
        {
          id: 'expire-processed-uploads',
          prefix: this.incomingPrefix,
          expiration: Duration.days(props.processedRetentionDays ?? 7),
        },
        {
          id: 'expire-rejected-copies',
          prefix: this.rejectedPrefix,
          expiration: Duration.days(props.rejectedRetentionDays ?? 30),
        },
        {
          id: 'expire-staged-days',
          prefix: this.stagingPrefix,
          expiration: Duration.days(props.stagingRetentionDays ?? 2),
        },
        {
          id: 'expire-noncurrent-versions',
          noncurrentVersionExpiration,
          abortIncompleteMultipartUploadAfter: Duration.days(1),
          expiredObjectDeleteMarker: true,
        },
      ],
      removalPolicy,
      autoDeleteObjects,
    });

    const notCompliantReason =
      'this is the server access log target of the dump bucket: logging it would log its own log deliveries';
    Validations.of(this.accessLogsBucket).acknowledge(
      { id: 'AwsSolutions-S1', reason: notCompliantReason },
      { id: 'HIPAA.Security-S3BucketLoggingEnabled', reason: notCompliantReason },
      {
        id: 'HIPAA.Security-S3DefaultEncryptionKMS',
        reason:
          'S3 server access logging only delivers to buckets with SSE-S3 default encryption (SSE-KMS is ' +
          'not supported for log targets); the logs hold request metadata, not dump contents.',
      },
      {
        id: 'HIPAA.Security-S3BucketReplicationEnabled',
        reason:
          'access logs are operational metadata; cross-region copies are not needed to recover the service',
      },
    );
    Validations.of(this.bucket).acknowledge({
      id: 'HIPAA.Security-S3BucketReplicationEnabled',
      reason:
        'uploads are transient input (expired after processedRetentionDays) whose events are stored in the ' +
        'DynamoDB table, which is the durable copy (PITR 35 days, optional global-table replicas); ' +
        'the bucket is versioned against accidental overwrite or delete.',
    });
  }

  /**
   * Read uploaded dumps under the incoming prefix: s3:GetObject for the current version and
   * s3:GetObjectVersion for a named one (the parser reads, and copies, the exact version its
   * notification names; S3 authorizes a versionId request with GetObjectVersion instead of
   * GetObject). kms:Decrypt on the bucket key: S3 decrypts the object's data key on the caller's
   * behalf. No tag reads: a copy with TaggingDirective REPLACE does not read the source's tags.
   */
  public grantReadIncoming(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:Decrypt');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resourceArns: [this.bucket.arnForObjects(`${this.incomingPrefix}*`)],
    });
  }

  /**
   * Write the tagged copy of a rejected dump under the rejected prefix: CopyObject is authorized as
   * s3:PutObject on the destination (plus the source read from grantReadIncoming), and the tag set
   * it writes (TaggingDirective REPLACE with Tagging) as s3:PutObjectTagging on the destination.
   * On the bucket key, kms:GenerateDataKey to encrypt the new object and kms:Decrypt, which the
   * CopyObject reference requires for SSE-KMS objects (the source is read with the same key).
   */
  public grantWriteRejected(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:GenerateDataKey', 'kms:Decrypt');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:PutObjectTagging'],
      resourceArns: [this.bucket.arnForObjects(`${this.rejectedPrefix}*`)],
    });
  }

  /**
   * Stage dense device-days: s3:PutObject under the staging prefix, kms:GenerateDataKey on the
   * bucket key to encrypt the new object.
   */
  public grantWriteStaging(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:GenerateDataKey');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject'],
      resourceArns: [this.bucket.arnForObjects(`${this.stagingPrefix}*`)],
    });
  }

  /** Read staged dense device-days: s3:GetObject under the staging prefix and kms:Decrypt. */
  public grantReadStaging(grantee: iam.IGrantable): iam.Grant {
    this.encryptionKey.grant(grantee, 'kms:Decrypt');
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(`${this.stagingPrefix}*`)],
    });
  }

  /**
   * Sends ObjectCreated events under the incoming prefix to `queue`. The queue policy and the
   * queue key's policy admit S3 only on behalf of this bucket in this account (confused-deputy
   * protection); CDK's stock SqsDestination leaves the key statement unconditioned.
   */
  public notifyOnIncoming(queue: sqs.IQueue): void {
    this.bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new IncomingQueueDestination(queue), {
      prefix: this.incomingPrefix,
    });
    this.acknowledgeNotificationsHandler();
  }

  /**
   * S3 notifications are configured by CDK's own deploy-time custom resource (one singleton Lambda
   * per stack); its role and policy are CDK's, not ours to shape.
   */
  private acknowledgeNotificationsHandler(): void {
    const stack = Stack.of(this);
    const handler = stack.node.children.find((child) =>
      child.node.id.startsWith('BucketNotificationsHandler'),
    );
    if (handler !== undefined) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's singleton custom resource that applies the bucket notification configuration at deploy time; " +
          'it only writes its own logs with this managed policy and runs only during deployments.',
      });
    }
    const handlerPolicy = this.bucket.node.tryFindChild('Notifications')?.node.tryFindChild('HandlerPolicy');
    if (handlerPolicy !== undefined) {
      Validations.of(handlerPolicy).acknowledge({
        id: 'HIPAA.Security-IAMNoInlinePolicy',
        reason:
          "CDK's inline policy for its notifications custom resource: s3:PutBucketNotification on this bucket only.",
      });
    }
  }
}

class IncomingQueueDestination implements s3.IBucketNotificationDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  public bind(scope: Construct, bucket: s3.IBucket): s3.BucketNotificationDestinationConfig {
    const conditions = {
      ArnEquals: { 'aws:SourceArn': bucket.bucketArn },
      StringEquals: { 'aws:SourceAccount': Stack.of(scope).account },
    };
    const s3Principal = new iam.ServicePrincipal('s3.amazonaws.com', { conditions });
    // grant(), not grantSendMessages(): the latter would also add a broad key statement for S3.
    this.queue.grant(s3Principal, 'sqs:SendMessage');
    const key = this.queue.encryptionMasterKey;
    if (key !== undefined) {
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowS3NotificationsFromDumpBucket',
          principals: [new iam.ServicePrincipal('s3.amazonaws.com')],
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: ['*'],
          conditions,
        }),
      );
    }
    return {
      arn: this.queue.queueArn,
      type: s3.BucketNotificationDestinationType.QUEUE,
      dependencies: [this.queue],
    };
  }
}
