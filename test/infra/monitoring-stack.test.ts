import { Match } from 'aws-cdk-lib/assertions';
import { PIPELINE_METRICS } from '../../lib/stacks/monitoring-stack';
import { logicalIdOf, PRODUCTION_GLOBAL_CONTEXT, resourceNamed, synthesize, type Synthesized } from './synth';

type Json = Record<string, unknown>;

interface Alarm {
  AlarmName: string;
  AlarmActions?: unknown[];
  OKActions?: unknown[];
  ComparisonOperator: string;
  Threshold: number;
  DatapointsToAlarm: number;
  EvaluationPeriods: number;
  Metrics?: Array<{
    MetricStat?: { Metric: { MetricName: string; Namespace: string; Dimensions?: unknown[] }; Stat: string };
  }>;
  MetricName?: string;
}

function alarms(s: Synthesized): Alarm[] {
  return Object.values(
    s.monitoring.findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Alarm }>,
  ).map((resource) => resource.Properties);
}

function alarmNamed(s: Synthesized, pattern: RegExp): Alarm {
  const found = alarms(s).filter((alarm) => pattern.test(alarm.AlarmName));
  expect(found).toHaveLength(1);
  return found[0] as Alarm;
}

/** The metrics an alarm watches, as "Namespace/MetricName". */
function watched(alarm: Alarm): string[] {
  return (alarm.Metrics ?? [])
    .map((query) => query.MetricStat?.Metric)
    .filter((metric): metric is { MetricName: string; Namespace: string } => metric !== undefined)
    .map((metric) => `${metric.Namespace}/${metric.MetricName}`);
}

describe('MonitoringStack', () => {
  let dev: Synthesized;
  let production: Synthesized;
  /** A second deployment with its own stack prefix and every alarm threshold off its default. */
  let custom: Synthesized;
  let topicRef: Json;

  beforeAll(() => {
    dev = synthesize();
    production = synthesize(PRODUCTION_GLOBAL_CONTEXT);
    custom = synthesize({
      'dumpflow:stackPrefix': 'DumpflowStaging',
      'dumpflow:alarmQueueAgeSeconds': '300',
      'dumpflow:alarmIteratorAgeSeconds': '60',
      'dumpflow:alarmUploadToCompleteP99Ms': '45000',
    });
    topicRef = { Ref: logicalIdOf(dev.monitoring, 'AWS::SNS::Topic', 'AlarmTopic') };
  });

  describe('alarm topic', () => {
    it('is encrypted with its own rotating key that CloudWatch alarms may use', () => {
      const keyId = logicalIdOf(dev.monitoring, 'AWS::KMS::Key', 'AlarmTopicKey');
      dev.monitoring.hasResourceProperties('AWS::SNS::Topic', {
        KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      });
      dev.monitoring.hasResourceProperties('AWS::KMS::Key', {
        EnableKeyRotation: true,
        KeyPolicy: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            }),
          ]),
        },
      });
    });

    it('refuses publishing without TLS and admits only this account’s alarms', () => {
      dev.monitoring.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: {
                ArnLike: { 'aws:SourceArn': Match.anyValue() },
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              },
            }),
          ]),
        },
      });
    });

    it('has no subscription unless dumpflow:alarmEmail is set', () => {
      dev.monitoring.resourceCountIs('AWS::SNS::Subscription', 0);
    });

    it('subscribes dumpflow:alarmEmail with an encrypted delivery dead-letter queue', () => {
      const dlqId = logicalIdOf(
        production.monitoring,
        'AWS::SQS::Queue',
        'AlarmTopicDeliveryDeadLetterQueue',
      );
      production.monitoring.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'oncall@example.com',
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
      });
      expect(
        resourceNamed(production.monitoring, 'AWS::SQS::Queue', 'AlarmTopicDeliveryDeadLetterQueue')
          .properties,
      ).toMatchObject({
        KmsMasterKeyId: {
          'Fn::GetAtt': [logicalIdOf(production.monitoring, 'AWS::KMS::Key', 'AlarmTopicKey'), 'Arn'],
        },
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
    });
  });

  describe('alarms', () => {
    it('all notify the alarm topic on ALARM and OK, with actions enabled', () => {
      const all = alarms(dev);
      // docs/deploy.md prices 16 alarms (17 with an alarm email).
      expect(all).toHaveLength(16);
      expect(alarms(production)).toHaveLength(17);
      for (const alarm of all) {
        expect(alarm.AlarmActions).toEqual([topicRef]);
        expect(alarm.OKActions).toEqual([topicRef]);
      }
      dev.monitoring.allResourcesProperties('AWS::CloudWatch::Alarm', { ActionsEnabled: true });
    });

    it('are named after the stack, so two deployments do not collide', () => {
      for (const alarm of alarms(dev)) expect(alarm.AlarmName).toMatch(/^DumpflowMonitoring-/);
      for (const alarm of alarms(custom)) expect(alarm.AlarmName).toMatch(/^DumpflowStagingMonitoring-/);
    });

    it.each(['DumpQueue-DLQ', 'FanoutQueue-DLQ', 'KpiFailureQueue'])(
      'fire on the first message in %s (depth > 0, one datapoint)',
      (queue) => {
        const alarm = alarmNamed(dev, new RegExp(`-${queue}-Queue-Message-Count-Max-`));
        expect(alarm).toMatchObject({
          ComparisonOperator: 'GreaterThanThreshold',
          Threshold: 0,
          DatapointsToAlarm: 1,
          EvaluationPeriods: 1,
        });
        expect(watched(alarm)).toEqual(['AWS/SQS/ApproximateNumberOfMessagesVisible']);
      },
    );

    it.each(['DumpQueue', 'FanoutQueue'])(
      'fire when the oldest message in %s is older than 120 s',
      (queue) => {
        const alarm = alarmNamed(dev, new RegExp(`-${queue}-Queue-Message-Age-Max-`));
        expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 120 });
        expect(watched(alarm)).toEqual(['AWS/SQS/ApproximateAgeOfOldestMessage']);
      },
    );

    it('fire when the KPI stream iterator age exceeds 10 minutes', () => {
      const alarm = alarmNamed(dev, /-Kpi-Iterator-Age-Max-/);
      expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 600_000 });
      expect(watched(alarm)).toEqual(['AWS/Lambda/IteratorAge']);
    });

    it.each(['Parser', 'Worker', 'Kpi'])('fire on %s errors and throttles', (name) => {
      expect(watched(alarmNamed(dev, new RegExp(`-${name}-Fault-Count-`)))).toEqual(['AWS/Lambda/Errors']);
      expect(watched(alarmNamed(dev, new RegExp(`-${name}-Throttled-Count-`)))).toEqual([
        'AWS/Lambda/Throttles',
      ]);
    });

    it('fire on table read and write throttles', () => {
      expect(watched(alarmNamed(dev, /-Table-Read-Throttled-Events-/))).toEqual([
        'AWS/DynamoDB/ReadThrottleEvents',
      ]);
      expect(watched(alarmNamed(dev, /-Table-Write-Throttled-Events-/))).toEqual([
        'AWS/DynamoDB/WriteThrottleEvents',
      ]);
    });

    it('fire when p99 upload-to-complete latency exceeds the one-minute target', () => {
      const alarm = alarmNamed(dev, /-Pipeline-UploadToCompleteP99-/);
      expect(alarm).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 60_000 });
      const stat = alarm.Metrics?.find((query) => query.MetricStat !== undefined)?.MetricStat;
      expect(stat).toEqual({
        Metric: {
          Namespace: 'dumpflow',
          MetricName: PIPELINE_METRICS.uploadToCompleteMs,
          Dimensions: [{ Name: 'service', Value: 'dumpflow' }],
        },
        Period: 60,
        Stat: 'p99',
      });
    });

    it('watch the alarm email delivery DLQ when an email is subscribed', () => {
      expect(alarmNamed(production, /-AlarmDeliveryDlq-Queue-Message-Count-Max-/)).toMatchObject({
        Threshold: 0,
      });
    });

    it('follow the threshold context keys', () => {
      expect(alarmNamed(custom, /-DumpQueue-Queue-Message-Age-Max-/).Threshold).toBe(300);
      expect(alarmNamed(custom, /-Kpi-Iterator-Age-Max-/).Threshold).toBe(60_000);
      expect(alarmNamed(custom, /-Pipeline-UploadToCompleteP99-/).Threshold).toBe(45_000);
    });
  });

  describe('dashboard', () => {
    let body: string;
    beforeAll(() => {
      const dashboards = Object.values(
        dev.monitoring.findResources('AWS::CloudWatch::Dashboard') as Record<string, { Properties: Json }>,
      );
      expect(dashboards).toHaveLength(1);
      body = JSON.stringify((dashboards[0] as { Properties: Json }).Properties['DashboardBody']);
    });

    it('graphs every pipeline metric in the dumpflow namespace', () => {
      for (const metric of Object.values(PIPELINE_METRICS)) expect(body).toContain(`\\"${metric}\\"`);
      expect(body).toContain('\\"dumpflow\\"');
      expect(body).toContain('\\"p50\\"');
      expect(body).toContain('\\"p99\\"');
    });

    it('graphs table capacity and throttles, queue depth and age, and Lambda errors and duration', () => {
      for (const metric of [
        'ConsumedReadCapacityUnits',
        'ConsumedWriteCapacityUnits',
        'ReadThrottleEvents',
        'WriteThrottleEvents',
        'ApproximateNumberOfMessagesVisible',
        'ApproximateAgeOfOldestMessage',
        'Errors',
        'Throttles',
        'Duration',
        'IteratorAge',
      ]) {
        expect(body).toContain(`\\"${metric}\\"`);
      }
    });
  });
});
