import { GetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { kpiKey, kpisFromItem, type StoredKpis } from '../lambdas/core/kpi/kpi-item';
import { parseSummaryPk } from '../lambdas/core/storage/keys';
import type { DeadLetters, KpiRow } from './pipeline-api';

/** What a run reads back at the end: the KPIs of the patient-devices it saw, and its dead letters. */

/** The KPI items of `devices` (summary partition keys), sorted by patient and device. */
export async function readKpiRows(
  dynamodb: DynamoDBClient,
  tableName: string,
  devices: Iterable<string>,
): Promise<KpiRow[]> {
  const rows: KpiRow[] = [];
  for (const pk of devices) {
    const { patientId, deviceId } = parseSummaryPk(pk)!;
    const { Item } = await dynamodb.send(
      new GetItemCommand({
        TableName: tableName,
        Key: kpiKey(patientId, deviceId),
        ConsistentRead: true,
      }),
    );
    if (Item) rows.push(kpiRowOf(kpisFromItem(Item)));
  }
  return rows.sort((a, b) => a.patientId.localeCompare(b.patientId) || a.deviceId.localeCompare(b.deviceId));
}

/** Messages (visible or in flight) in the two DLQs and the KPI on-failure queue. */
export async function countDeadLetters(
  sqs: SQSClient,
  queues: {
    readonly dumpDlq: { url: string };
    readonly fanoutDlq: { url: string };
    readonly kpiFailure: { url: string };
  },
): Promise<DeadLetters> {
  const [dumpQueue, fanoutQueue, kpiFailures] = await Promise.all(
    [queues.dumpDlq, queues.fanoutDlq, queues.kpiFailure].map((queue) => messagesIn(sqs, queue.url)),
  );
  return { dumpQueue: dumpQueue!, fanoutQueue: fanoutQueue!, kpiFailures: kpiFailures! };
}

async function messagesIn(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** The fields of a KPI row: the spec's KPIs and whose they are, not the item's bookkeeping. */
const KPI_ROW_FIELDS = [
  'patientId',
  'deviceId',
  'asOf',
  'usageDays',
  'compliancePct',
  'avgUsageMinutes',
  'ahi',
  'meanLeak',
  'alarms',
  'events',
] as const satisfies readonly (keyof KpiRow)[];

function kpiRowOf(kpis: StoredKpis): KpiRow {
  return Object.fromEntries(KPI_ROW_FIELDS.map((field) => [field, kpis[field]])) as unknown as KpiRow;
}
