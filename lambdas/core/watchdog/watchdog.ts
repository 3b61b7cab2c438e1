import { recomputeKpis } from '../kpi/recompute';
import {
  CLOCK_SKEW_MARGIN_MS,
  completeIfCommitted,
  dueEntries,
  failDump,
  FINAL_STATUSES,
  leaveWatch,
  noteRedrive,
  readLedger,
  stillDue,
  WATCH_DUMP,
  WATCH_KPI,
  type LedgerEntry,
  type WatchSettings,
} from '../ledger';
import { CapacityMeter, type CapacityTotals } from '../storage/capacity';
import { readKpis } from '../storage/read-events';
import type { TableAccess } from '../storage/table-access';

/**
 * The dump watchdog: every few minutes, the ledger items in the watch index whose `due` has
 * passed (watch.ts), and nothing else.
 *
 * - A dump past its deadline and not final is re-driven through the path a redelivered S3
 *   notification takes (the parser's claim answers 'redrive' and re-sends the pending chunks, or
 *   re-parses a RECEIVED dump). A PROCESSING dump whose every planned chunk has committed is
 *   completed right here (its count was left short by a crash). After `maxRedrives` re-drives the
 *   dump becomes FAILED with a reason, which an alarm reports.
 * - A completed dump whose KPI grace has passed is checked: if the KPI item was computed after the
 *   dump completed (plus a clock-skew margin), it reflects it; otherwise the KPIs are recomputed
 *   here. Stream records dropped past the mapping's maximum age, or left on the on-failure queue,
 *   cannot keep a patient's KPIs stale.
 *
 * Every step is conditional on the ledger as read (noteRedrive on the re-drive count, failDump on
 * the status, leaveWatch on the watch kind), so two runs at once act once.
 */

export interface WatchdogDeps extends TableAccess {
  readonly watch: WatchSettings;
  /** Hands a stuck dump back to the parser (a notification on the dump queue, as S3 sends it). */
  readonly redrive: (ledger: LedgerEntry) => Promise<void>;
  /** Wall clock (ms). @default Date.now */
  readonly clock?: () => number;
}

export interface WatchdogReport {
  /** Dumps found past their deadline and not final. */
  readonly stuck: number;
  readonly redriven: number;
  /** Completed here from their outcomes (every chunk committed, the count short). */
  readonly completed: number;
  readonly failed: number;
  /** Completed dumps whose KPIs were checked, and those whose KPIs had to be recomputed. */
  readonly kpisChecked: number;
  readonly kpisRepaired: number;
  readonly capacity: CapacityTotals;
}

export async function runWatchdog(deps: WatchdogDeps): Promise<WatchdogReport> {
  const meter = deps.meter ?? new CapacityMeter();
  const ledgerDeps = {
    dynamodb: deps.dynamodb,
    tableName: deps.tableName,
    meter,
    ...(deps.clock && { clock: deps.clock }),
  };
  const now = (deps.clock ?? Date.now)();
  const report = { stuck: 0, redriven: 0, completed: 0, failed: 0, kpisChecked: 0, kpisRepaired: 0 };

  for await (const dumpId of dueEntries({ ...deps, meter }, WATCH_DUMP, now)) {
    const ledger = await readLedger(ledgerDeps, dumpId);
    if (ledger === undefined) continue;
    if (FINAL_STATUSES.has(ledger.status)) {
      // Final, but its entry was left behind (a transition that does not touch the watch).
      if (ledger.watch === WATCH_DUMP) await leaveWatch(ledgerDeps, dumpId, WATCH_DUMP);
      continue;
    }
    if (!stillDue(ledger, WATCH_DUMP, now)) continue;
    report.stuck++;
    if (await completeIfCommitted({ ...ledgerDeps, watch: deps.watch }, ledger)) {
      report.completed++;
      continue;
    }
    if (ledger.redrives >= deps.watch.maxRedrives) {
      const reason = `still ${ledger.status} after ${ledger.redrives} re-drives past its deadline; see docs/operations.md#stuck-dumps`;
      if (await failDump(ledgerDeps, dumpId, 'E_STUCK', reason)) report.failed++;
      continue;
    }
    if (await noteRedrive(ledgerDeps, dumpId, ledger.redrives, now, now + deps.watch.deadlineMs)) {
      await deps.redrive(ledger);
      report.redriven++;
    }
  }

  for await (const dumpId of dueEntries({ ...deps, meter }, WATCH_KPI, now)) {
    const ledger = await readLedger(ledgerDeps, dumpId);
    if (ledger === undefined) continue;
    const { patientId, deviceId, completedAt } = ledger;
    if (ledger.status === 'COMPLETE' && patientId && deviceId && completedAt !== undefined) {
      report.kpisChecked++;
      const [kpis] = await readKpis(
        { dynamodb: deps.dynamodb, tableName: deps.tableName, meter },
        patientId,
        deviceId,
      );
      if (kpis === undefined || kpis.computedAt < completedAt + CLOCK_SKEW_MARGIN_MS) {
        await recomputeKpis(
          { dynamodb: deps.dynamodb, tableName: deps.tableName, meter },
          patientId,
          deviceId,
        );
        report.kpisRepaired++;
      }
    }
    await leaveWatch(ledgerDeps, dumpId, WATCH_KPI);
  }
  return { ...report, capacity: meter.snapshot() };
}
