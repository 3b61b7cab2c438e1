import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { createEncryptionKey, SECURE_DEFAULTS } from './secure-defaults';

export interface AlarmTopicProps {
  /**
   * Address that receives alarm notifications (AWS sends a confirmation mail first).
   * @default - no subscription; subscribe later in the console or add one here
   */
  readonly email?: string;
  /**
   * What happens to the topic's key when it leaves the stack.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The SNS topic CloudWatch alarms notify: KMS-encrypted with its own key (the AWS-managed SNS key
 * cannot admit CloudWatch), TLS-only publishing, publishable by this account's alarms, and an
 * optional email subscription whose undeliverable notifications land in an encrypted DLQ.
 */
export class AlarmTopic extends Construct {
  public readonly topic: sns.Topic;
  public readonly encryptionKey: kms.Key;
  /** Undeliverable notifications of the email subscription; only created with `email`. */
  public readonly deliveryDeadLetterQueue?: sqs.Queue;

  constructor(scope: Construct, id: string, props: AlarmTopicProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    this.encryptionKey = createEncryptionKey(this, 'Key', {
      description: 'dumpflow alarm notifications',
      removalPolicy: props.removalPolicy,
    });
    this.encryptionKey.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );

    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'dumpflow alarms',
      masterKey: this.encryptionKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
          StringEquals: { 'aws:SourceAccount': stack.account },
        },
      }),
    );

    if (props.email !== undefined) {
      this.encryptionKey.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'AllowSnsToUseDeliveryDeadLetterQueue',
          principals: [new iam.ServicePrincipal('sns.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
        }),
      );
      this.deliveryDeadLetterQueue = new sqs.Queue(this, 'DeliveryDeadLetterQueue', {
        encryption: sqs.QueueEncryption.KMS,
        encryptionMasterKey: this.encryptionKey,
        enforceSSL: true,
        retentionPeriod: SECURE_DEFAULTS.deadLetterRetention,
      });
      this.topic.addSubscription(
        new subscriptions.EmailSubscription(props.email, { deadLetterQueue: this.deliveryDeadLetterQueue }),
      );
      const isDeadLetterQueue =
        'this queue is itself a dead-letter queue (of the email subscription); cdk-nag only recognises ' +
        'queues named in another queue’s redrive policy, and a DLQ behind a DLQ would only move messages again';
      Validations.of(this.deliveryDeadLetterQueue).acknowledge(
        { id: 'AwsSolutions-SQS3', reason: isDeadLetterQueue },
        { id: 'Serverless-SQSRedrivePolicy', reason: isDeadLetterQueue },
      );
    }
  }
}
