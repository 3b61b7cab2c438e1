/**
 * The Monitoring stack: the dashboard, every alarm and its runbook link, and the alarm topic.
 * Longer than most files on purpose: its sections are the dashboard's rows in the order the
 * dashboard shows them (pipeline metrics, watchdog, queues, functions, table), and each alarm sits
 * beside the metric it watches and the runbook section (RUNBOOK) it names; split across files
 * the stack would no longer read the way an operator reads the dashboard.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
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
import { METRIC_NAMES } from '../../lambdas/shared/metric-names';
import { METRICS_NAMESPACE, SERVICE_NAME } from './ingest-stack';

/** The custom metrics the handlers publish with Powertools (namespace `dumpflow`, dimension `service`). */
export const PIPELINE_METRICS = METRIC_NAMES;

export interface MonitoringStackProps extends StackProps {
  readonly config: DumpflowConfig;
  readonly table: dynamodb.ITableV2;
  readonly dumpQueue: QueueWithDlq;
  readonly fanoutQueue: QueueWithDlq;
  readonly kpiFailureQueue: sqs.IQueue;
  readonly parser: PipelineFunction;
  readonly worker: PipelineFunction;
  readonly kpi: PipelineFunction;
  readonly watchdog: PipelineFunction;
}

/**
 * The sections of docs/operations.md that alarm descriptions link to, by anchor (GitHub's heading
 * slugs). test/infra/monitoring-stack.test.ts checks each one is a heading there.
 */
export const RUNBOOK = {
  dumpQueueAge: 'dump-queue-messages-too-old',
  fanoutQueueAge: 'fan-out-queue-messages-too-old',
  dumpDlq: 'dump-dlq-not-empty',
  fanoutDlq: 'fan-out-dlq-not-empty',
  kpiFailureQueue: 'kpi-on-failure-queue-not-empty',
  alarmDeliveryDlq: 'alarm-email-undeliverable',
  functionErrors: 'function-errors',
  functionThrottles: 'function-throttles',
  kpiLag: 'kpi-lag',
  tableThrottles: 'table-throttles',
  tableSystemErrors: 'table-system-errors',
  uploadToComplete: 'upload-to-complete-too-slow',
  rejectionRate: 'dump-rejection-rate',
  conflictRate: 'conflict-rate',
  noUploads: 'no-uploads',
  stuckDumps: 'stuck-dumps',
  failedDumps: 'failed-dumps',
} as const;
export type RunbookSection = keyof typeof RUNBOOK;

/** Any message in a dead-letter queue needs a human: alarm on the first one. */
const ON_FIRST_DATAPOINT = { datapointsToAlarm: 1, evaluationPeriods: 1 } satisfies CustomAlarmThreshold;

/**
 * Rates are judged over 15 minutes, one datapoint: long enough that a handful of dumps is not a
 * rate (at 140 dumps a minute that is ~2,000 dumps), short enough to page within the quarter hour.
 */
const RATE_PERIOD = Duration.minutes(15);
const ONE_RATE_DATAPOINT = {
  period: RATE_PERIOD,
  datapointsToAlarm: 1,
  evaluationPeriods: 1,
  // No dumps or no stored events in a quarter hour is not a bad rate (no-uploads alarms on silence).
  treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
} satisfies CustomAlarmThreshold;
/** Fewer dumps than this in RATE_PERIOD: too few for a rejection rate, the alarm stays quiet. */
export const REJECTION_RATE_MIN_DUMPS = 10;

/**
 * One dashboard and the alarms that say the pipeline is falling behind or dropping work, all
 * notifying one KMS-encrypted SNS topic (with an optional email subscription).
 */
export class MonitoringStack extends Stack {
  public readonly alarmTopic: AlarmTopic;
  public readonly monitoring: MonitoringFacade;
  private readonly runbookUrl: string;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.runbookUrl = config.runbookUrl;

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
        // Every alarm names its own section (runbook()); this only backs up one that would not.
        runbookLink: config.runbookUrl,
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
      addReadThrottledEventsCountAlarm: {
        Warning: { maxThrottledEventsThreshold: 0, ...this.runbook('tableThrottles') },
      },
      addWriteThrottledEventsCountAlarm: {
        Warning: { maxThrottledEventsThreshold: 0, ...this.runbook('tableThrottles') },
      },
      addSystemErrorCountAlarm: { Critical: { maxErrorCount: 0, ...this.runbook('tableSystemErrors') } },
    });
    this.addOutputs();
  }

  private addOutputs(): void {
    const dashboard = this.monitoring.createdDashboard();
    if (dashboard !== undefined) {
      new CfnOutput(this, 'DashboardName', {
        value: dashboard.dashboardName,
        description: 'CloudWatch dashboard of the pipeline',
      });
      new CfnOutput(this, 'DashboardUrl', {
        value: `https://console.aws.amazon.com/cloudwatch/home?region=${this.region}#dashboards:name=${dashboard.dashboardName}`,
        description: 'CloudWatch console link to the dashboard (AWS commercial partition)',
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.alarmTopic.topic.topicArn,
      description: 'SNS topic every alarm notifies on ALARM and OK (subscribe more endpoints here)',
    });
    const deliveryDlq = this.alarmTopic.deliveryDeadLetterQueue;
    if (deliveryDlq !== undefined) {
      new CfnOutput(this, 'AlarmDeliveryDeadLetterQueueUrl', {
        value: deliveryDlq.queueUrl,
        description: 'Alarm notifications SNS could not deliver to dumpflow:alarmEmail',
      });
    }
  }

  /** The alarm property that makes its description end with "Runbook: <operations.md#section>". */
  private runbook(section: RunbookSection): { runbookLink: string } {
    return { runbookLink: `${this.runbookUrl}#${RUNBOOK[section]}` };
  }

  private pipelineMetrics(
    metrics: Record<string, string>,
    period: Duration,
  ): Record<string, cloudwatch.IMetric> {
    return Object.fromEntries(
      Object.entries(metrics).map(([id, metricName]) => [
        id,
        new cloudwatch.Metric({
          namespace: METRICS_NAMESPACE,
          metricName,
          dimensionsMap: { service: SERVICE_NAME },
          statistic: 'Sum',
          period,
        }),
      ]),
    );
  }

  /**
   * Rejected dumps as a percentage of all dumps seen: DumpsReceived counts only the dumps that
   * decoded, so the whole is received + rejected. Below REJECTION_RATE_MIN_DUMPS it reads 0.
   */
  private rejectionRate(): cloudwatch.MathExpression {
    const total = 'FILL(received, 0) + FILL(rejected, 0)';
    return new cloudwatch.MathExpression({
      expression: `IF(${total} >= ${REJECTION_RATE_MIN_DUMPS}, 100 * FILL(rejected, 0) / (${total}), 0)`,
      usingMetrics: this.pipelineMetrics(
        { received: PIPELINE_METRICS.dumpsReceived, rejected: PIPELINE_METRICS.dumpsRejected },
        RATE_PERIOD,
      ),
      label: 'rejected % of dumps',
      period: RATE_PERIOD,
    });
  }

  /**
   * Conflicting events (same identity, other content than the stored copy) as a percentage of the
   * events newly stored. Conflicts while nothing new was stored read 100: every upload then only
   * repeated days, and some of them disagreed with what is stored.
   */
  private conflictRate(): cloudwatch.MathExpression {
    return new cloudwatch.MathExpression({
      expression:
        'IF(FILL(stored, 0) > 0, 100 * FILL(conflicts, 0) / FILL(stored, 0), IF(FILL(conflicts, 0) > 0, 100, 0))',
      usingMetrics: this.pipelineMetrics(
        { stored: PIPELINE_METRICS.eventsStored, conflicts: PIPELINE_METRICS.eventsConflict },
        RATE_PERIOD,
      ),
      label: 'conflicts % of stored events',
      period: RATE_PERIOD,
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
                  ...this.runbook('uploadToComplete'),
                },
              },
            },
          ],
        },
        {
          title: 'Rejected dumps and conflicting events (% per 15 min)',
          metrics: [
            {
              metric: this.rejectionRate(),
              alarmFriendlyName: 'RejectionRate',
              addAlarm: {
                Warning: {
                  threshold: config.alarmRejectedPercent,
                  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                  additionalDescription:
                    `More than ${config.alarmRejectedPercent}% of the dumps of the last 15 minutes were rejected ` +
                    `(DumpsRejected / (DumpsReceived + DumpsRejected), at least ${REJECTION_RATE_MIN_DUMPS} dumps).`,
                  ...ONE_RATE_DATAPOINT,
                  ...this.runbook('rejectionRate'),
                },
              },
            },
            {
              metric: this.conflictRate(),
              alarmFriendlyName: 'ConflictRate',
              addAlarm: {
                Warning: {
                  threshold: config.alarmConflictPercent,
                  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                  additionalDescription:
                    `Conflicting events exceeded ${config.alarmConflictPercent}% of the newly stored events of ` +
                    'the last 15 minutes (EventsConflict / EventsStored).',
                  ...ONE_RATE_DATAPOINT,
                  ...this.runbook('conflictRate'),
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
        {
          title: 'Watchdog (per run)',
          metrics: [
            {
              metric: this.watchdogMetric(m.stuckDumps, 'Maximum', 'stuck', config),
              alarmFriendlyName: 'StuckDumps',
              addAlarm: {
                Critical: {
                  threshold: 0,
                  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                  additionalDescription:
                    'Dumps were still not COMPLETE or REJECTED past their deadline in two watchdog runs in a row, ' +
                    'although the watchdog re-drove them.',
                  datapointsToAlarm: 2,
                  evaluationPeriods: 2,
                  treatMissingDataOverride: cloudwatch.TreatMissingData.BREACHING,
                  ...this.runbook('stuckDumps'),
                },
              },
            },
            {
              metric: this.watchdogMetric(m.dumpsFailed, 'Sum', 'failed', config),
              alarmFriendlyName: 'FailedDumps',
              addAlarm: {
                Critical: {
                  threshold: 0,
                  comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
                  additionalDescription: `The watchdog gave up on dumps after ${config.watchdog.watch.maxRedrives} re-drives: they are FAILED.`,
                  ...ON_FIRST_DATAPOINT,
                  treatMissingDataOverride: cloudwatch.TreatMissingData.NOT_BREACHING,
                  ...this.runbook('failedDumps'),
                },
              },
            },
            this.watchdogMetric(m.dumpsRedriven, 'Sum', 're-driven', config),
            this.watchdogMetric(m.kpisRepaired, 'Sum', 'KPIs repaired', config),
          ],
        },
      ],
    });
  }

  /** A watchdog metric over one schedule interval (it is published once per run). */
  private watchdogMetric(
    metricName: string,
    statistic: string,
    label: string,
    config: DumpflowConfig,
  ): cloudwatch.Metric {
    return this.pipelineMetric(metricName, statistic, label).with({
      period: Duration.minutes(config.watchdog.intervalMinutes),
    });
  }

  private monitorQueues(props: MonitoringStackProps): void {
    const { config } = props;
    const age = { maxAgeInSeconds: config.alarmQueueAgeSeconds };
    const dlq = { maxMessageCount: 0, ...ON_FIRST_DATAPOINT };
    // S3 sends one ObjectCreated notification per upload to the dump queue: a queue that received
    // nothing for N minutes means devices are not uploading, or S3 no longer notifies. Missing data
    // is breaching, because SQS stops reporting a queue that has been idle for hours.
    const noUploads =
      config.alarmNoUploadsMinutes === undefined
        ? {}
        : {
            addQueueMinIncomingMessagesAlarm: {
              Critical: {
                minIncomingMessagesCount: 1,
                period: Duration.minutes(config.alarmNoUploadsMinutes),
                datapointsToAlarm: 1,
                evaluationPeriods: 1,
                treatMissingDataOverride: cloudwatch.TreatMissingData.BREACHING,
                alarmDescriptionOverride: `No upload reached the dump queue for ${config.alarmNoUploadsMinutes} minutes.`,
                ...this.runbook('noUploads'),
              },
            },
          };
    this.monitoring.monitorSqsQueueWithDlq({
      queue: props.dumpQueue.queue,
      deadLetterQueue: props.dumpQueue.deadLetterQueue,
      humanReadableName: 'DumpQueue',
      alarmFriendlyName: 'DumpQueue',
      addQueueMaxMessageAgeAlarm: { Critical: { ...age, ...this.runbook('dumpQueueAge') } },
      addDeadLetterQueueMaxSizeAlarm: { Critical: { ...dlq, ...this.runbook('dumpDlq') } },
      ...noUploads,
    });
    this.monitoring.monitorSqsQueueWithDlq({
      queue: props.fanoutQueue.queue,
      deadLetterQueue: props.fanoutQueue.deadLetterQueue,
      humanReadableName: 'FanoutQueue',
      alarmFriendlyName: 'FanoutQueue',
      addQueueMaxMessageAgeAlarm: { Critical: { ...age, ...this.runbook('fanoutQueueAge') } },
      addDeadLetterQueueMaxSizeAlarm: { Critical: { ...dlq, ...this.runbook('fanoutDlq') } },
    });
    this.monitoring.monitorSqsQueue({
      queue: props.kpiFailureQueue,
      humanReadableName: 'KPI on-failure queue',
      alarmFriendlyName: 'KpiFailureQueue',
      addQueueMaxSizeAlarm: { Critical: { ...dlq, ...this.runbook('kpiFailureQueue') } },
    });
    const deliveryDlq = this.alarmTopic.deliveryDeadLetterQueue;
    if (deliveryDlq !== undefined) {
      this.monitoring.monitorSqsQueue({
        queue: deliveryDlq,
        humanReadableName: 'Alarm email delivery DLQ',
        alarmFriendlyName: 'AlarmDeliveryDlq',
        addQueueMaxSizeAlarm: { Warning: { ...dlq, ...this.runbook('alarmDeliveryDlq') } },
      });
    }
  }

  private monitorFunctions(props: MonitoringStackProps): void {
    for (const [name, fn] of [
      ['Parser', props.parser],
      ['Worker', props.worker],
      ['Kpi', props.kpi],
      ['Watchdog', props.watchdog],
    ] as const) {
      this.monitoring.monitorLambdaFunction({
        lambdaFunction: fn.function,
        humanReadableName: `${name} function`,
        alarmFriendlyName: name,
        addFaultCountAlarm: { Warning: { maxErrorCount: 0, ...this.runbook('functionErrors') } },
        addThrottlesCountAlarm: { Warning: { maxErrorCount: 0, ...this.runbook('functionThrottles') } },
        // KPI lag: the KPI function has one event source, the table stream, so its IteratorAge is
        // the age of the oldest day-summary change its mapping has not processed yet.
        ...(name === 'Kpi'
          ? {
              addMaxIteratorAgeAlarm: {
                Critical: {
                  maxAgeInMillis: props.config.alarmIteratorAgeSeconds * 1000,
                  ...this.runbook('kpiLag'),
                },
              },
            }
          : {}),
      });
    }
  }
}
