/** What the fault injectors did during a run, for the summary: injected faults and the retries they caused. */
export interface FaultTotals {
  readonly injected: {
    /** DynamoDB calls failed with a throttling error. */
    readonly throttled: number;
    /** BatchWriteItem items handed back unwritten in UnprocessedItems. */
    readonly unprocessedItems: number;
    /** Extra copies of S3 notifications sent to the dump queue. */
    readonly duplicateNotifications: number;
    /** Extra deliveries of SQS messages that had already been processed. */
    readonly redeliveries: number;
    /** Worker invocations that died, by where they died. */
    readonly crashes: number;
    readonly crashPoints: Readonly<Record<string, number>>;
    /** Parser invocations that died (`parser-crash`), by where they died. */
    readonly parserCrashes: number;
    readonly parserCrashPoints: Readonly<Record<string, number>>;
    /** Conditional writes and transactions refused with TransactionConflict (`conflict`). */
    readonly conflicts: number;
    /** Invocations stalled past their lease and visibility timeout (`pause`). */
    readonly pauses: number;
    /** Notification deliveries that reached two parser instances at the same instant (`s3-duplicate`). */
    readonly simultaneousDeliveries: number;
    /** Times DynamoDB was made unreachable, and requests cut off or refused meanwhile. */
    readonly outages: number;
    readonly refusedConnections: number;
  };
  readonly retries: {
    /** Extra attempts the functions' SDK clients made (throttling, network errors). */
    readonly sdk: number;
    /** Failed SQS deliveries that went back to their queue for another try. */
    readonly sqs: number;
    /** Re-invocations of a KPI stream batch after a failure. */
    readonly stream: number;
  };
}

/** Mutable counters the injectors share; totals() is what the summary prints. */
export class FaultLog {
  throttled = 0;
  unprocessedItems = 0;
  duplicateNotifications = 0;
  crashes = 0;
  readonly crashPoints = new Map<string, number>();
  parserCrashes = 0;
  readonly parserCrashPoints = new Map<string, number>();
  conflicts = 0;
  pauses = 0;
  outages = 0;
  refusedConnections = 0;
  sdkRetries = 0;

  crashed(point: string, fn: 'worker' | 'parser' = 'worker'): void {
    const points = fn === 'worker' ? this.crashPoints : this.parserCrashPoints;
    if (fn === 'worker') this.crashes += 1;
    else this.parserCrashes += 1;
    points.set(point, (points.get(point) ?? 0) + 1);
  }

  /** `eventSources`: what the emulated event sources counted (they do the redelivering and retrying). */
  totals(eventSources: {
    redeliveries: number;
    simultaneousDeliveries: number;
    sqsRetries: number;
    streamRetries: number;
  }): FaultTotals {
    const sorted = (points: Map<string, number>) =>
      Object.fromEntries([...points].sort(([a], [b]) => a.localeCompare(b)));
    return {
      injected: {
        throttled: this.throttled,
        unprocessedItems: this.unprocessedItems,
        duplicateNotifications: this.duplicateNotifications,
        redeliveries: eventSources.redeliveries,
        crashes: this.crashes,
        crashPoints: sorted(this.crashPoints),
        parserCrashes: this.parserCrashes,
        parserCrashPoints: sorted(this.parserCrashPoints),
        conflicts: this.conflicts,
        pauses: this.pauses,
        simultaneousDeliveries: eventSources.simultaneousDeliveries,
        outages: this.outages,
        refusedConnections: this.refusedConnections,
      },
      retries: { sdk: this.sdkRetries, sqs: eventSources.sqsRetries, stream: eventSources.streamRetries },
    };
  }
}
