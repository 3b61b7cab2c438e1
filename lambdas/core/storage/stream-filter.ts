import { matchesFilterPattern, type FilterPattern } from '../filter-pattern';

/**
 * Which table changes wake the KPI function: day-summary items written (a commit) or removed (TTL
 * past retention, or an erase), which can change what the KPIs count.
 * One definition, used by the CDK event source (FilterCriteria) and by the local stream poller,
 * so the deployed and local pipelines cannot drift apart.
 */
export const DAY_SUMMARY_SORT_KEY_PREFIX = 'DAY#';

/** An EventBridge-style filter pattern, as Lambda's FilterCriteria takes it. */
export const KPI_STREAM_FILTER_PATTERN = {
  eventName: ['INSERT', 'MODIFY', 'REMOVE'],
  dynamodb: { Keys: { sk: { S: [{ prefix: DAY_SUMMARY_SORT_KEY_PREFIX }] } } },
} as const satisfies FilterPattern;

interface StreamRecordLike {
  readonly eventName?: string;
  readonly dynamodb?: { readonly Keys?: Record<string, { readonly S?: string } | undefined> };
}

/** Evaluates KPI_STREAM_FILTER_PATTERN the way Lambda's event filtering does, for the local runtime. */
export function matchesKpiStreamFilter(record: StreamRecordLike): boolean {
  return matchesFilterPattern(KPI_STREAM_FILTER_PATTERN, record);
}
