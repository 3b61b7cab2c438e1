import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

export interface CapacityTotals {
  readonly readUnits: number;
  readonly writeUnits: number;
  readonly requests: number;
}

/**
 * Accumulates what DynamoDB reports with ReturnConsumedCapacity TOTAL for one unit of work
 * (a settle, a chunk), so cost per event is measured rather than estimated.
 */
export class CapacityMeter implements CapacityTotals {
  readUnits = 0;
  writeUnits = 0;
  requests = 0;

  /**
   * Counts one request. Reads and writes report their units as CapacityUnits; transactions and
   * mixed calls also split them, which is preferred when present.
   */
  record(kind: 'read' | 'write', consumed: ConsumedCapacity | readonly ConsumedCapacity[] | undefined): void {
    this.requests++;
    const list =
      consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed as ConsumedCapacity];
    for (const c of list) {
      if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
        this.readUnits += c.ReadCapacityUnits ?? 0;
        this.writeUnits += c.WriteCapacityUnits ?? 0;
      } else if (kind === 'read') {
        this.readUnits += c.CapacityUnits ?? 0;
      } else {
        this.writeUnits += c.CapacityUnits ?? 0;
      }
    }
  }

  add(other: CapacityTotals): void {
    this.readUnits += other.readUnits;
    this.writeUnits += other.writeUnits;
    this.requests += other.requests;
  }

  snapshot(): CapacityTotals {
    return { readUnits: this.readUnits, writeUnits: this.writeUnits, requests: this.requests };
  }

  /** What was consumed since `before` (a snapshot). */
  since(before: CapacityTotals): CapacityTotals {
    return {
      readUnits: this.readUnits - before.readUnits,
      writeUnits: this.writeUnits - before.writeUnits,
      requests: this.requests - before.requests,
    };
  }
}
