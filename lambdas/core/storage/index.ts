/**
 * Storage core: the one table's keys and items, the parser's whole-day shortcut and chunking,
 * the worker's exactly-once chunk commit into event pages, reading stored events back, and the
 * dump ledger. Item layout: docs/data-model.md.
 */
export type { TableAccess } from './table-access';
export { TABLE_DEFINITION, createTableInput, type CreateTableInputOptions } from './table';
export * from './keys';
export { CapacityMeter, type CapacityTotals } from './capacity';
export { defaultTiming, backoffDelay, isThrottlingError, type RetryTiming } from './retry';
export {
  DayBusyError,
  DayPagesMissingError,
  TableLayoutError,
  CommitContentionError,
  ChunkMessageError,
  StoredItemError,
} from './errors';
export { prepareDump, isExpiredDay, type PreparedDay, type PreparedDump } from './prepare';
export { settleWholeDays, type SettleResult } from './settle';
export {
  planChunks,
  buildChunkMessage,
  chunkMessageBody,
  ChunkTooLargeError,
  DEFAULT_MAX_CHUNK_EVENTS,
  type ChunkPlan,
  type ChunkContext,
} from './chunks';
export {
  encodeChunkMessage,
  decodeChunkMessage,
  allocateChunkEvents,
  MAX_MESSAGE_BYTES,
  type ChunkMessage,
  type ChunkEnvelope,
  type ChunkEvents,
} from './chunk-message';
export { writeChunk, type WriteChunkDeps, type WriteChunkResult } from './write-chunk';
export { classifyChunk, type ChunkOutcome, type Classified } from './classify';
export { MAX_EVENTS_PER_PAGE, readPages, mergePages, partitionsHolding } from './pages';
export {
  LAYOUT_VERSION,
  checkTableLayout,
  ensureTableLayout,
  readTableLayout,
  stampTableLayout,
  stampLayoutInput,
} from './layout';
export { queryItems, queryAll, type StoredItem } from './query';
export { toAttributes, readItem, ItemReader, type AttributeNative } from './items';
export { chunkWithOwner } from './chunk-owner';
export { daySummaryFromItem, type DaySummary, type KpiInputs } from './summary';
export {
  DAY_SUMMARY_SORT_KEY_PREFIX,
  KPI_STREAM_FILTER_PATTERN,
  matchesKpiStreamFilter,
} from './stream-filter';
export {
  planFanOut,
  DEFAULT_STAGING_PREFIX,
  type FanOutPlan,
  type FanOutOptions,
  type StagedDay,
} from './plan-fan-out';
export {
  decodeFanOutMessage,
  encodeDayMessage,
  decodeStagedDay,
  DENSE_DAY_PARTS,
  type DayMessage,
  type FanOutMessage,
} from './day-message';
export { writeDenseDay, type DenseDayOptions, type DenseDayResult } from './dense-day';
