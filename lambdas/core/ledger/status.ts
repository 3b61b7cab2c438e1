import { DumpflowError } from '../errors';
import { claimedVersions } from './claim';
import { FINAL_STATUSES, readLedger, type LedgerDeps, type LedgerEntry } from './entry';
import { dueEntries, stillDue, WATCH_DUMP } from './watch';

/**
 * What `dumpflow status` reads: one dump's ledger (named by its dump id or by its object key), or
 * every dump past its deadline. Reads only: the watch index and ledger items, never a Scan.
 */

/** Dump ids are newDumpId's 96 random bits in hex. */
const DUMP_ID = /^[0-9a-f]{24}$/;

export function looksLikeDumpId(text: string): boolean {
  return DUMP_ID.test(text);
}

/** Nothing in the ledger answers to what `--dump` named. */
export class UnknownDumpError extends DumpflowError {
  constructor(what: string) {
    super(
      'E_NO_DUMP',
      `no dump in the ledger answers to ${what}; give a dump id (24 hex digits, as logs and alarms name it) or the object key it was uploaded under (with --bucket when it is not the default)`,
    );
  }
}

/**
 * The ledgers `dump` names: the dump id's own, or every claimed version of the object key `dump`
 * in `bucket` (oldest version first, as the claims sort). A 24-hex-digit text that is no dump id
 * is tried as a key too, since a key may look like anything.
 */
export async function findDumps(
  deps: LedgerDeps,
  dump: string,
  bucket: string | undefined,
): Promise<LedgerEntry[]> {
  if (looksLikeDumpId(dump)) {
    const ledger = await readLedger(deps, dump);
    if (ledger) return [ledger];
  }
  if (bucket === undefined) throw new UnknownDumpError(`dump id ${dump}`);
  const ledgers: LedgerEntry[] = [];
  for (const { dumpId } of await claimedVersions(deps, bucket, dump)) {
    const ledger = await readLedger(deps, dumpId);
    if (ledger) ledgers.push(ledger);
  }
  if (ledgers.length === 0) throw new UnknownDumpError(`${dump} (as a dump id or as a key in ${bucket})`);
  return ledgers;
}

/**
 * Every dump past its deadline and not final at `now`, from the watch index; each entry's ledger is
 * read strongly consistent, so a dump completed or re-driven since the index was written is left out.
 */
export async function stuckDumps(deps: LedgerDeps, now: number): Promise<LedgerEntry[]> {
  const stuck: LedgerEntry[] = [];
  for await (const dumpId of dueEntries(deps, WATCH_DUMP, now)) {
    const ledger = await readLedger(deps, dumpId);
    if (ledger === undefined || FINAL_STATUSES.has(ledger.status)) continue;
    if (!stillDue(ledger, WATCH_DUMP, now)) continue;
    stuck.push(ledger);
  }
  return stuck.sort((a, b) => a.due! - b.due! || a.dumpId.localeCompare(b.dumpId));
}
