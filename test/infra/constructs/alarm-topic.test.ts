import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AlarmTopic, type AlarmTopicProps } from '../../../lib/constructs/alarm-topic';
import { logicalIdOf } from '../synth';

/** The construct alone in a bare stack, so the template shows only what it creates. */
function synth(props: AlarmTopicProps = {}): Template {
  const stack = new Stack(new App(), 'Test');
  new AlarmTopic(stack, 'Alarms', props);
  return Template.fromStack(stack);
}

describe('AlarmTopic', () => {
  describe('with default props', () => {
    let template: Template;
    beforeAll(() => {
      template = synth();
    });

    it('encrypts the topic with its own rotating, retained key', () => {
      template.resourceCountIs('AWS::KMS::Key', 1);
      template.hasResource('AWS::KMS::Key', {
        Properties: Match.objectLike({ EnableKeyRotation: true }),
        DeletionPolicy: 'Retain',
      });
      template.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'AlarmsKey'), 'Arn'] },
      });
    });

    it('lets CloudWatch use the key', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowCloudWatchAlarmsToPublish',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: '*',
            },
          ]),
        },
      });
    });

    it("denies non-TLS publishing and admits only this account's alarms", () => {
      const topic = { Ref: logicalIdOf(template, 'AWS::SNS::Topic', 'AlarmsTopic') };
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [topic],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
            {
              Sid: 'AllowThisAccountsAlarms',
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Resource: topic,
              Condition: {
                ArnLike: {
                  'aws:SourceArn': {
                    'Fn::Join': [
                      '',
                      [
                        'arn:',
                        { Ref: 'AWS::Partition' },
                        ':cloudwatch:',
                        { Ref: 'AWS::Region' },
                        ':',
                        { Ref: 'AWS::AccountId' },
                        ':alarm:*',
                      ],
                    ],
                  },
                },
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              },
            },
          ]),
        },
      });
    });

    it('has no subscription and no delivery DLQ', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      template.resourceCountIs('AWS::SQS::Queue', 0);
    });
  });

  describe('with email', () => {
    let template: Template;
    beforeAll(() => {
      template = synth({ email: 'oncall@example.com' });
    });

    it('subscribes the address with an encrypted, TLS-only 14-day DLQ for undeliverable notifications', () => {
      const dlq = logicalIdOf(template, 'AWS::SQS::Queue', 'AlarmsDeliveryDeadLetterQueue');
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] } },
      });
      template.hasResourceProperties('AWS::SQS::Queue', {
        KmsMasterKeyId: { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'AlarmsKey'), 'Arn'] },
        MessageRetentionPeriod: 1_209_600,
      });
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    });

    it('lets SNS use the key for the DLQ only on behalf of this account', () => {
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: {
          Statement: Match.arrayWith([
            {
              Sid: 'AllowSnsToUseDeliveryDeadLetterQueue',
              Effect: 'Allow',
              Principal: { Service: 'sns.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
              Resource: '*',
              Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
            },
          ]),
        },
      });
    });
  });

  it('with RemovalPolicy.DESTROY deletes the key after 7 days', () => {
    synth({ removalPolicy: RemovalPolicy.DESTROY }).hasResource('AWS::KMS::Key', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ PendingWindowInDays: 7 }),
    });
  });
});
