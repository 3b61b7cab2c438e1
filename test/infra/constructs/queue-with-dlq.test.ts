import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { QueueWithDlq, type QueueWithDlqProps } from '../../../lib/constructs/queue-with-dlq';
import { logicalIdOf, resourceNamed } from '../synth';

/** The construct alone in a bare stack, so the template shows only what it creates. */
function synth(props: Partial<QueueWithDlqProps> = {}): Template {
  const stack = new Stack(new App(), 'Test');
  const encryptionKey = new kms.Key(stack, 'TestKey');
  new QueueWithDlq(stack, 'Dumps', { encryptionKey, consumerTimeout: Duration.seconds(30), ...props });
  return Template.fromStack(stack);
}

describe('QueueWithDlq', () => {
  describe('with default props', () => {
    let template: Template;
    beforeAll(() => {
      template = synth();
    });

    it('creates the queue and its DLQ, both KMS-encrypted with the given key and 5-minute data-key reuse', () => {
      template.resourceCountIs('AWS::SQS::Queue', 2);
      const keyArn = { 'Fn::GetAtt': [logicalIdOf(template, 'AWS::KMS::Key', 'TestKey'), 'Arn'] };
      for (const name of ['DumpsQueue', 'DumpsDeadLetterQueue']) {
        expect(resourceNamed(template, 'AWS::SQS::Queue', name).properties).toMatchObject({
          KmsMasterKeyId: keyArn,
          KmsDataKeyReusePeriodSeconds: 300,
        });
      }
    });

    it('keeps DLQ messages 14 days and source messages 4 days (the DLQ must outlive the source)', () => {
      expect(resourceNamed(template, 'AWS::SQS::Queue', 'DumpsDeadLetterQueue').properties).toMatchObject({
        MessageRetentionPeriod: Duration.days(14).toSeconds(),
      });
      expect(resourceNamed(template, 'AWS::SQS::Queue', 'DumpsQueue').properties).toMatchObject({
        MessageRetentionPeriod: Duration.days(4).toSeconds(),
      });
    });

    it('redrives to the DLQ after 5 receives', () => {
      const dlq = logicalIdOf(template, 'AWS::SQS::Queue', 'DumpsDeadLetterQueue');
      expect(resourceNamed(template, 'AWS::SQS::Queue', 'DumpsQueue').properties['RedrivePolicy']).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
        maxReceiveCount: 5,
      });
    });

    it('sets the visibility timeout to six times the consumer timeout', () => {
      expect(resourceNamed(template, 'AWS::SQS::Queue', 'DumpsQueue').properties).toMatchObject({
        VisibilityTimeout: 180,
      });
    });

    it('denies non-TLS access on both queues', () => {
      template.resourceCountIs('AWS::SQS::QueuePolicy', 2);
      for (const name of ['DumpsQueue', 'DumpsDeadLetterQueue']) {
        template.hasResourceProperties('AWS::SQS::QueuePolicy', {
          Queues: [{ Ref: logicalIdOf(template, 'AWS::SQS::Queue', name) }],
          PolicyDocument: {
            Statement: Match.arrayWith([
              Match.objectLike({
                Effect: 'Deny',
                Action: 'sqs:*',
                Principal: { AWS: '*' },
                Condition: { Bool: { 'aws:SecureTransport': 'false' } },
              }),
            ]),
          },
        });
      }
    });
  });

  it('adds the batching window to the visibility timeout', () => {
    const template = synth({
      consumerTimeout: Duration.seconds(60),
      consumerBatchingWindow: Duration.seconds(5),
    });
    expect(resourceNamed(template, 'AWS::SQS::Queue', 'DumpsQueue').properties).toMatchObject({
      VisibilityTimeout: 365,
    });
  });

  it('uses maxReceiveCount and exposes it', () => {
    const stack = new Stack(new App(), 'Test');
    const queue = new QueueWithDlq(stack, 'Dumps', {
      encryptionKey: new kms.Key(stack, 'TestKey'),
      consumerTimeout: Duration.seconds(30),
      maxReceiveCount: 2,
    });
    expect(queue.maxReceiveCount).toBe(2);
    const template = Template.fromStack(stack);
    expect(
      resourceNamed(template, 'AWS::SQS::Queue', 'DumpsQueue').properties['RedrivePolicy'],
    ).toMatchObject({ maxReceiveCount: 2 });
  });

  it('uses retentionPeriod for the source queue only', () => {
    const template = synth({ retentionPeriod: Duration.days(2) });
    expect(resourceNamed(template, 'AWS::SQS::Queue', 'DumpsQueue').properties).toMatchObject({
      MessageRetentionPeriod: Duration.days(2).toSeconds(),
    });
    expect(resourceNamed(template, 'AWS::SQS::Queue', 'DumpsDeadLetterQueue').properties).toMatchObject({
      MessageRetentionPeriod: Duration.days(14).toSeconds(),
    });
  });
});
