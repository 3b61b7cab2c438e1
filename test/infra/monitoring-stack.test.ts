import * as fs from 'fs';
import * as path from 'path';
import { Match } from 'aws-cdk-lib/assertions';
import { PIPELINE_METRICS, REJECTION_RATE_MIN_DUMPS, RUNBOOK } from '../../lib/stacks/monitoring-stack';
import {
  logicalIdOf,
  PRODUCTION_GLOBAL_CONTEXT,
  RESTORED_TABLE,
  RESTORED_TABLE_CONTEXT,
  resourceNamed,
  synthesize,
  type Synthesized,
} from './synth';

type Json = Record<string, unknown>;

interface Alarm {
  AlarmName: string;
  AlarmDescription: string;
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

/** The GitHub anchors of docs/operations.md's headings (lower case, punctuation dropped, spaces to hyphens). */
function operationsAnchors(): Set<string> {
  const text = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
  return new Set(
    text
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) =>
        line
          .replace(/^#+ /, '')
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N} _-]/gu, '')
          .replace(/ /g, '-'),
      ),
  );
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
      'dumpflow:alarmNoUploadsMinutes': '15',
      'dumpflow:alarmRejectedPercent': '20',
      'dumpflow:alarmConflictPercent': '3',
      'dumpflow:runbookUrl': 'https://git.example.com/dumpflow/blob/main/docs/operations.md',
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
      // docs/deploy.md prices 22 alarms in dev, 23 in production (no uploads), 24 with an alarm email.
      expect(all).toHaveLength(22);
      expect(alarms(production)).toHaveLength(24);
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
      expect(alarmNamed(custom, /-Pipeline-RejectionRate-/).Threshold).toBe(20);
      expect(alarmNamed(custom, /-Pipeline-ConflictRate-/).Threshold).toBe(3);
      expect(alarmNamed(custom, /-DumpQueue-Queue-Incoming-Messages-Count-Min-/)).toMatchObject({
        Metrics: [expect.objectContaining({ MetricStat: expect.objectContaining({ Period: 15 * 60 }) })],
      });
    });

    it('fire when more than 5 % of at least 10 dumps in 15 minutes are rejected', () => {
      expect(REJECTION_RATE_MIN_DUMPS).toBe(10);
      const dumpMetric = (id: string, name: string) =>
        Match.objectLike({
          Id: id,
          ReturnData: false,
          MetricStat: {
            Metric: {
              Namespace: 'dumpflow',
              MetricName: name,
              Dimensions: [{ Name: 'service', Value: 'dumpflow' }],
            },
            Period: 900,
            Stat: 'Sum',
          },
        });
      dev.monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp('-Pipeline-RejectionRate-'),
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 5,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp('Runbook: docs/operations.md#dump-rejection-rate$'),
        Metrics: Match.arrayWith([
          Match.objectLike({
            ReturnData: true,
            Expression:
              'IF(FILL(received, 0) + FILL(rejected, 0) >= 10, 100 * FILL(rejected, 0) / (FILL(received, 0) + FILL(rejected, 0)), 0)',
          }),
          dumpMetric('received', PIPELINE_METRICS.dumpsReceived),
          dumpMetric('rejected', PIPELINE_METRICS.dumpsRejected),
        ]),
      });
    });

    it('fire when conflicts exceed 1 % of the events stored in 15 minutes', () => {
      dev.monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp('-Pipeline-ConflictRate-'),
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'notBreaching',
        AlarmDescription: Match.stringLikeRegexp('Runbook: docs/operations.md#conflict-rate$'),
        Metrics: Match.arrayWith([
          Match.objectLike({
            ReturnData: true,
            Expression:
              'IF(FILL(stored, 0) > 0, 100 * FILL(conflicts, 0) / FILL(stored, 0), IF(FILL(conflicts, 0) > 0, 100, 0))',
          }),
          Match.objectLike({
            Id: 'stored',
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({ MetricName: PIPELINE_METRICS.eventsStored }),
              Period: 900,
              Stat: 'Sum',
            }),
          }),
          Match.objectLike({
            Id: 'conflicts',
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({ MetricName: PIPELINE_METRICS.eventsConflict }),
              Period: 900,
              Stat: 'Sum',
            }),
          }),
        ]),
      });
    });

    it('fire in production when no upload notification reached the dump queue for an hour (silence breaches)', () => {
      const dumpQueueName = {
        'Fn::ImportValue': Match.stringLikeRegexp('DumpflowIngest:ExportsOutputFnGetAttDumpQueue.*QueueName'),
      };
      production.monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp('-DumpQueue-Queue-Incoming-Messages-Count-Min-'),
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
        TreatMissingData: 'breaching',
        AlarmDescription: Match.stringLikeRegexp(
          '^No upload reached the dump queue for 60 minutes\\.\\s+Runbook: docs/operations.md#no-uploads$',
        ),
        Metrics: [
          Match.objectLike({
            MetricStat: {
              Metric: {
                Namespace: 'AWS/SQS',
                MetricName: 'NumberOfMessagesSent',
                Dimensions: [{ Name: 'QueueName', Value: dumpQueueName }],
              },
              Period: 3600,
              Stat: 'Sum',
            },
          }),
        ],
      });
    });

    it('have no upload-silence alarm in dev (dumpflow:alarmNoUploadsMinutes is none there)', () => {
      expect(alarms(dev).filter((alarm) => /Incoming-Messages/.test(alarm.AlarmName))).toEqual([]);
    });

    it('fire on KPI lag: the KPI function’s maximum stream iterator age over 10 minutes', () => {
      dev.monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp('-Kpi-Iterator-Age-Max-'),
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 600_000,
        AlarmDescription: Match.stringLikeRegexp('#kpi-lag$'),
        Metrics: [
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                Namespace: 'AWS/Lambda',
                MetricName: 'IteratorAge',
                Dimensions: [{ Name: 'FunctionName', Value: Match.anyValue() }],
              }),
              Stat: 'Maximum',
            }),
          }),
        ],
      });
    });
  });

  describe('runbook links', () => {
    const expected: Array<[RegExp, keyof typeof RUNBOOK]> = [
      [/-DumpQueue-Queue-Message-Age-Max-/, 'dumpQueueAge'],
      [/-FanoutQueue-Queue-Message-Age-Max-/, 'fanoutQueueAge'],
      [/-DumpQueue-DLQ-Queue-Message-Count-Max-/, 'dumpDlq'],
      [/-FanoutQueue-DLQ-Queue-Message-Count-Max-/, 'fanoutDlq'],
      [/-KpiFailureQueue-Queue-Message-Count-Max-/, 'kpiFailureQueue'],
      [/-AlarmDeliveryDlq-/, 'alarmDeliveryDlq'],
      [/-Parser-Fault-Count-/, 'functionErrors'],
      [/-Worker-Fault-Count-/, 'functionErrors'],
      [/-Kpi-Fault-Count-/, 'functionErrors'],
      [/-Parser-Throttled-Count-/, 'functionThrottles'],
      [/-Worker-Throttled-Count-/, 'functionThrottles'],
      [/-Kpi-Throttled-Count-/, 'functionThrottles'],
      [/-Kpi-Iterator-Age-Max-/, 'kpiLag'],
      [/-Table-Read-Throttled-Events-/, 'tableThrottles'],
      [/-Table-Write-Throttled-Events-/, 'tableThrottles'],
      [/-Table-SystemError-Count-/, 'tableSystemErrors'],
      [/-Pipeline-UploadToCompleteP99-/, 'uploadToComplete'],
      [/-Pipeline-RejectionRate-/, 'rejectionRate'],
      [/-Pipeline-ConflictRate-/, 'conflictRate'],
      [/-DumpQueue-Queue-Incoming-Messages-Count-Min-/, 'noUploads'],
      [/-Watchdog-Fault-Count-/, 'functionErrors'],
      [/-Watchdog-Throttled-Count-/, 'functionThrottles'],
      [/-Pipeline-StuckDumps-/, 'stuckDumps'],
      [/-Pipeline-FailedDumps-/, 'failedDumps'],
    ];

    it('cover every alarm of the production deployment', () => {
      expect(expected).toHaveLength(alarms(production).length);
    });

    it.each(expected)('%s names its section %s of docs/operations.md', (pattern, section) => {
      expect(alarmNamed(production, pattern).AlarmDescription).toMatch(
        new RegExp(`\\r\\nRunbook: docs/operations\\.md#${RUNBOOK[section]}$`),
      );
    });

    it('point at sections that exist in docs/operations.md', () => {
      const anchors = operationsAnchors();
      for (const anchor of Object.values(RUNBOOK))
        expect({ anchor, exists: anchors.has(anchor) }).toEqual({ anchor, exists: true });
    });

    it('start at dumpflow:runbookUrl when it is set', () => {
      for (const alarm of alarms(custom)) {
        expect(alarm.AlarmDescription).toMatch(
          /Runbook: https:\/\/git\.example\.com\/dumpflow\/blob\/main\/docs\/operations\.md#[a-z-]+$/,
        );
      }
    });
  });

  describe('restore path', () => {
    it('watches the existing table, by name, with nothing imported from a Data stack', () => {
      const restored = synthesize({ 'dumpflow:profile': 'production', ...RESTORED_TABLE_CONTEXT });
      restored.monitoring.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: Match.stringLikeRegexp('-Table-SystemError-Count-'),
        Metrics: Match.arrayWith([
          Match.objectLike({
            MetricStat: Match.objectLike({
              Metric: Match.objectLike({
                Dimensions: Match.arrayWith([{ Name: 'TableName', Value: RESTORED_TABLE.name }]),
              }),
            }),
          }),
        ]),
      });
      expect(JSON.stringify(restored.monitoring.toJSON())).not.toContain('DumpflowData:');
    });
  });

  describe('outputs', () => {
    it('link the dashboard and name the alarm topic', () => {
      const dashboardId = logicalIdOf(dev.monitoring, 'AWS::CloudWatch::Dashboard', 'DashboardsDashboard');
      dev.monitoring.hasOutput('DashboardName', {
        Value: { Ref: dashboardId },
        Description: Match.stringLikeRegexp('dashboard'),
      });
      dev.monitoring.hasOutput('DashboardUrl', {
        Value: {
          'Fn::Join': [
            '',
            [
              'https://console.aws.amazon.com/cloudwatch/home?region=',
              { Ref: 'AWS::Region' },
              '#dashboards:name=',
              { Ref: dashboardId },
            ],
          ],
        },
        Description: Match.stringLikeRegexp('dashboard'),
      });
      dev.monitoring.hasOutput('AlarmTopicArn', {
        Value: topicRef,
        Description: Match.stringLikeRegexp('SNS'),
      });
      expect(Object.keys(dev.monitoring.toJSON()['Outputs'] as object).sort()).toEqual([
        'AlarmTopicArn',
        'DashboardName',
        'DashboardUrl',
      ]);
      production.monitoring.hasOutput('AlarmDeliveryDeadLetterQueueUrl', {
        Value: {
          Ref: logicalIdOf(production.monitoring, 'AWS::SQS::Queue', 'AlarmTopicDeliveryDeadLetterQueue'),
        },
      });
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

    it('graphs the rejection and conflict rates the alarms watch', () => {
      expect(body).toContain('rejected % of dumps');
      expect(body).toContain('conflicts % of stored events');
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
