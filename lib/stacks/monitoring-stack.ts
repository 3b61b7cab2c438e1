import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import {
  DefaultDashboardFactory,
  MonitoringFacade,
  SnsAlarmActionStrategy,
  type CustomAlarmThreshold,
} from 'cdk-monitoring-constructs';
import type { Construct } from 'constructs';
import type { DumpflowConfig } from '../config';
import { AlarmTopic } from '../constructs/alarm-topic';
import type { PipelineFunction } from '../constructs/pipeline-function';
import type { QueueWithDlq } from '../constructs/queue-with-dlq';
import { removalPolicyOf } from '../constructs/secure-defaults';
import { METRICS_NAMESPACE, SERVICE_NAME } from './ingest-stack';

/** The custom metrics the handlers publish with Powertools (namespace `dumpflow`, dimension `service`). */
export const PIPELINE_METRICS = {
  dumpsReceived: 'DumpsReceived',
  dumpsCompleted: 'DumpsCompleted',
  dumpsRejected: 'DumpsRejected',
  uploadToCompleteMs: 'UploadToCompleteMs',
  eventsStored: 'EventsStored',
  eventsDuplicate: 'EventsDuplicate',
  eventsConflict: 'EventsConflict',
} as const;

export interface MonitoringStackProps extends StackProps {
  readonly config: DumpflowConfig;
  readonly table: dynamodb.ITableV2;
  readonly dumpQueue: QueueWithDlq;
  readonly fanoutQueue: QueueWithDlq;
  readonly kpiFailureQueue: sqs.IQueue;
  readonly parser: PipelineFunction;
  readonly worker: PipelineFunction;
  readonly kpi: PipelineFunction;
}

/** Any message in a dead-letter queue needs a human: alarm on the first one. */
const ON_FIRST_DATAPOINT = { datapointsToAlarm: 1, evaluationPeriods: 1 } satisfies CustomAlarmThreshold;

/**
 * One dashboard and the alarms that say the pipeline is falling behind or dropping work, all
 * notifying one KMS-encrypted SNS topic (with an optional email subscription).
 */
export class MonitoringStack extends Stack {
  public readonly alarmTopic: AlarmTopic;
  public readonly monitoring: MonitoringFacade;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.alarmTopic = new AlarmTopic(this, 'AlarmTopic', {
      email: config.alarmEmail,
      removalPolicy: removalPolicyOf(config.removalPolicy),
    });
    const action = new SnsAlarmActionStrategy({
      onAlarmTopic: this.alarmTopic.topic,
      onOkTopic: this.alarmTopic.topic,
    });

    // Names derive from the stack name, so two deployments (stackPrefix) never collide.
    this.monitoring = new MonitoringFacade(this, 'Monitoring', {
      metricFactoryDefaults: { period: Duration.minutes(1) },
      alarmFactoryDefaults: {
        alarmNamePrefix: this.stackName,
        actionsEnabled: true,
        action,
        // 3 bad minutes out of 5: rides out a single slow batch, still pages within minutes.
        datapointsToAlarm: 3,
        evaluationPeriods: 5,
      },
      dashboardFactory: new DefaultDashboardFactory(this, 'Dashboards', {
        dashboardNamePrefix: this.stackName,
        createDashboard: true,
        createSummaryDashboard: false,
        createAlarmDashboard: false,
      }),
    });

    this.monitorPipelineMetrics(config);
    this.monitorQueues(props);
    this.monitorFunctions(props);
    this.monitoring.monitorDynamoTable({
      table: props.table,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      humanReadableName: 'dumpflow table',
      alarmFriendlyName: 'Table',
      addReadThrottledEventsCountAlarm: { Warning: { maxThrottledEventsThreshold: 0 } },
      addWriteThrottledEventsCountAlarm: { Warning: { maxThrottledEventsThreshold: 0 } },
      addSystemErrorCountAlarm: { Critical: { maxErrorCount: 0 } },
    });
  }

  private pipelineMetric(metricName: string, statistic: string, label: string): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICE_NAME },
      statistic,
      label,
      period: Duration.minutes(1),
    });
  }

  private monitorPipelineMetrics(config: DumpflowConfig): void {
    const m = PIPELINE_METRICS;
    this.monitoring.monitorCustom({
      humanReadableName: 'dumpflow pipeline',
      alarmFriendlyName: 'Pipeline',
      metricGroups: [
        {
          title: 'Dumps',
          metrics: [
            this.pipelineMetric(m.dumpsReceived, 'Sum', 'received'),
            this.pipelineMetric(m.dumpsCompleted, 'Sum', 'completed'),
            this.pipelineMetric(m.dumpsRejected, 'Sum', 'rejected'),
          ],
        },
        {
          title: 'Upload to complete (ms)',
          metrics: [
            this.pipelineMetric(m.uploadToCompleteMs, 'p50', 'p50'),
            {
              metric: this.pipelineMetric(m.uploadToCompleteMs, 'p99', 'p99'),
              alarmFriendlyName: 'UploadToCompleteP99',
              addAlarm: {
                Critical: {
                  threshold: config.alarmUploadToCompleteP99Ms,
                  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                  additionalDescription: 'Dumps take longer than the target from upload to stored events.',
                },
              },
            },
          ],
        },
        {
          title: 'Events',
          metrics: [
            this.pipelineMetric(m.eventsStored, 'Sum', 'stored'),
            this.pipelineMetric(m.eventsDuplicate, 'Sum', 'duplicates'),
            this.pipelineMetric(m.eventsConflict, 'Sum', 'conflicts'),
          ],
        },
      ],
    });
  }

  private monitorQueues(props: MonitoringStackProps): void {
    const age = { maxAgeInSeconds: props.config.alarmQueueAgeSeconds };
    for (const [name, pair] of [
      ['DumpQueue', props.dumpQueue],
      ['FanoutQueue', props.fanoutQueue],
    ] as const) {
      this.monitoring.monitorSqsQueueWithDlq({
        queue: pair.queue,
        deadLetterQueue: pair.deadLetterQueue,
        humanReadableName: name,
        alarmFriendlyName: name,
        addQueueMaxMessageAgeAlarm: { Critical: age },
        addDeadLetterQueueMaxSizeAlarm: { Critical: { maxMessageCount: 0, ...ON_FIRST_DATAPOINT } },
      });
    }
    this.monitoring.monitorSqsQueue({
      queue: props.kpiFailureQueue,
      humanReadableName: 'KPI on-failure queue',
      alarmFriendlyName: 'KpiFailureQueue',
      addQueueMaxSizeAlarm: { Critical: { maxMessageCount: 0, ...ON_FIRST_DATAPOINT } },
    });
    const deliveryDlq = this.alarmTopic.deliveryDeadLetterQueue;
    if (deliveryDlq !== undefined) {
      this.monitoring.monitorSqsQueue({
        queue: deliveryDlq,
        humanReadableName: 'Alarm email delivery DLQ',
        alarmFriendlyName: 'AlarmDeliveryDlq',
        addQueueMaxSizeAlarm: { Warning: { maxMessageCount: 0, ...ON_FIRST_DATAPOINT } },
      });
    }
  }

  private monitorFunctions(props: MonitoringStackProps): void {
    for (const [name, fn] of [
      ['Parser', props.parser],
      ['Worker', props.worker],
      ['Kpi', props.kpi],
    ] as const) {
      this.monitoring.monitorLambdaFunction({
        lambdaFunction: fn.function,
        humanReadableName: `${name} function`,
        alarmFriendlyName: name,
        addFaultCountAlarm: { Warning: { maxErrorCount: 0 } },
        addThrottlesCountAlarm: { Warning: { maxErrorCount: 0 } },
        ...(name === 'Kpi'
          ? {
              addMaxIteratorAgeAlarm: {
                Critical: { maxAgeInMillis: props.config.alarmIteratorAgeSeconds * 1000 },
              },
            }
          : {}),
      });
    }
  }
}
