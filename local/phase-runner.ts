import type { TableAccess } from '../lambdas/core/storage';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkDump } from '../lambdas/core/dump';
import { ENV } from '../lambdas/shared/config';
import { FINAL_STATUSES, readLedgerOf, type LedgerEntry } from '../lambdas/core/ledger';
import { summaryPk, type DumpRef } from '../lambdas/core/storage/keys';
import type { UploadKeyRule } from '../lambdas/core/upload-key';
import { capacitySince, type MeteredCapacity } from './capacity-tap';
import { NotIdleError } from './errors';
import type { Schedule } from './event-sources/schedule';
import type { CreatedObject } from './event-sources/s3-notifications';
import type { SqsPoller } from './event-sources/sqs-poller';
import type { StreamPoller } from './event-sources/stream-poller';
import type { FaultInjector } from './faults/injector';
import type { OutageProxy } from './faults/outage-proxy';
import { phaseReport } from './phase-report';
import { PipelineStuckError, type LocalDump, type PhaseOptions, type PhaseResult } from './pipeline-api';
import type { DumpUploader } from './event-sources/s3-upload';
import { localUploadKey, uploaderDeviceId } from './upload-keys';

/**
 * One phase of a local run: upload its dumps (under the upload-key layout, with the notifications
 * `s3-duplicate` repeats and shuffles), then wait until every dump's ledger is final and every
 * event source is idle in the same pass, and report the phase from the ledgers and the capacity
 * the handlers used.
 */

export interface PhaseRunnerDeps {
  readonly faults: FaultInjector | undefined;
  /** The DynamoDB outage proxy, when `ddb-restart` runs outages during a phase. */
  readonly proxy: OutageProxy | undefined;
  readonly uploader: DumpUploader;
  readonly uploadKeys: UploadKeyRule;
  /** Prepended to every key, so a kept state's next run uploads new objects. */
  readonly runPrefix: string;
  readonly ledgerDeps: TableAccess;
  /** Every patient-device a phase uploaded for, by summary partition key (the run's KPI rows). */
  readonly devices: Map<string, { readonly patientId: string; readonly deviceId: string }>;
  readonly capacity: { totals(): MeteredCapacity };
  readonly pollers: {
    readonly parser: SqsPoller;
    readonly worker: SqsPoller;
    readonly kpi: StreamPoller;
    readonly watchdog: Schedule;
  };
}

export function createPhaseRunner(
  deps: PhaseRunnerDeps,
): (dumps: readonly LocalDump[], phase?: PhaseOptions) => Promise<PhaseResult> {
  const { faults, proxy, uploader, uploadKeys, runPrefix, ledgerDeps, devices } = deps;
  const { parser, worker, kpi, watchdog } = deps.pollers;
  let phases = 0;
  let phaseRunning = false;

  const allIdle = async () => {
    const [p, w] = await Promise.all([parser.isIdle(), worker.isIdle()]);
    return p && w && kpi.isIdle() && watchdog.isIdle();
  };

  return async (dumps, phase = {}) => {
    phases += 1;
    const deadline = Date.now() + (phase.timeoutMs ?? 600_000);
    const remaining = () => Math.max(1, deadline - Date.now());
    const started = Date.now();
    const before = deps.capacity.totals();
    const previousNow = process.env[ENV.processingTime];
    // The parser reads ENV.processingTime for each dump it claims (config.processingTime is a live getter).
    if (phase.now === undefined) delete process.env[ENV.processingTime];
    else process.env[ENV.processingTime] = String(phase.now);

    try {
      const total = dumps.length;
      phase.onProgress?.({ total, finished: 0, rejected: 0, stage: 'uploading' });
      for (const dump of dumps) {
        try {
          const { header } = checkDump(dump.bytes);
          devices.set(summaryPk(header.patientId, header.deviceId), header);
        } catch {
          // A malformed dump stores nothing and has no KPIs to show.
        }
      }
      // Uploaded object (bucket/key#etag) -> its file name and the ref the ledger claims it under.
      const pending = new Map<string, { readonly name: string; readonly ref: DumpRef }>();
      const duplicating = faults !== undefined && faults.spec.s3Duplicate > 1;
      const written: CreatedObject[] = [];
      let next = 0;
      const uploadLane = async () => {
        while (next < dumps.length) {
          const dump = dumps[next++]!;
          const device = uploaderDeviceId(dump.bytes, dump.uploadedBy);
          const key = localUploadKey(uploadKeys, device, `${runPrefix}phase-${phases}/${dump.name}`);
          // With s3-duplicate the notifications go out together, repeated and shuffled, below.
          const uploaded = duplicating
            ? await uploader.put(key, dump.bytes)
            : await uploader.upload(key, dump.bytes);
          written.push(uploaded);
          const ref = { bucket: uploaded.bucket, key: uploaded.key, version: uploaded.eTag };
          pending.set(`${ref.bucket}/${ref.key}#${ref.version}`, { name: dump.name, ref });
        }
      };
      await Promise.all(Array.from({ length: Math.min(4, dumps.length) }, uploadLane));
      if (duplicating) {
        for (const object of faults.notifications(written)) await uploader.notify(object);
      }
      const order = [...pending.keys()];
      phaseRunning = true;
      const outages = proxy === undefined ? undefined : faults?.runOutages(proxy, () => phaseRunning);

      const finished = new Map<string, LedgerEntry>();
      let rejected = 0;
      const readPending = async () => {
        const ids = order.filter((id) => !finished.has(id));
        const entries = await Promise.all(ids.map((id) => readLedgerOf(ledgerDeps, pending.get(id)!.ref)));
        entries.forEach((entry, i) => {
          if (entry && FINAL_STATUSES.has(entry.status)) {
            finished.set(ids[i]!, entry);
            if (entry.status === 'REJECTED') rejected += 1;
          }
        });
        phase.onProgress?.({
          total,
          finished: finished.size,
          rejected,
          stage: finished.size === total ? 'settling' : 'processing',
        });
        return finished.size === total;
      };

      // Every dump finished, and then every event source idle in the same pass (the parser feeds
      // the worker, the worker feeds the stream, so one idle source can wake up again).
      for (;;) {
        if (await readPending()) {
          await parser.waitForIdle({ timeoutMs: remaining() });
          await worker.waitForIdle({ timeoutMs: remaining() });
          await kpi.waitForIdle({ timeoutMs: remaining() });
          if ((await allIdle()) && (await readPending())) break;
          continue;
        }
        // With faults a dump may be stuck on purpose: the watchdog re-drives it past its deadline.
        if (faults === undefined && (await allIdle()) && !(await readPending())) {
          throw new PipelineStuckError(
            order.filter((id) => !finished.has(id)).map((id) => pending.get(id)!.name),
          );
        }
        if (Date.now() > deadline) {
          throw new NotIdleError(
            `phase ${phases}`,
            phase.timeoutMs ?? 600_000,
            `${total - finished.size} of ${total} dump(s) not finished`,
          );
        }
        await sleep(250);
      }

      phaseRunning = false;
      await outages;
      const results = order.map((id) => ({ fileName: pending.get(id)!.name, ledger: finished.get(id)! }));
      const capacity = capacitySince(deps.capacity.totals(), before);
      return { report: phaseReport(results, capacity, Date.now() - started), finished: results };
    } finally {
      phaseRunning = false;
      if (previousNow === undefined) delete process.env[ENV.processingTime];
      else process.env[ENV.processingTime] = previousNow;
    }
  };
}
