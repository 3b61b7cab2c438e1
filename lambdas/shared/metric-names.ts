/**
 * The custom metrics the functions publish (Powertools, namespace and `service` dimension in
 * observability.ts): one list, imported by the handlers that publish them and by the Monitoring
 * stack that graphs and alarms on them, so a renamed metric cannot leave an alarm watching nothing.
 */
export const METRIC_NAMES = {
  dumpsReceived: 'DumpsReceived',
  dumpsCompleted: 'DumpsCompleted',
  dumpsRejected: 'DumpsRejected',
  uploadToCompleteMs: 'UploadToCompleteMs',
  eventsStored: 'EventsStored',
  eventsDuplicate: 'EventsDuplicate',
  eventsConflict: 'EventsConflict',
  /** Dumps the watchdog found past their deadline and not final, per run (published every run). */
  stuckDumps: 'StuckDumps',
  dumpsRedriven: 'DumpsRedriven',
  dumpsFailed: 'DumpsFailed',
  kpisRepaired: 'KpisRepaired',
} as const;
