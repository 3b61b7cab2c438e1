/**
 * Context fixtures shared by the infra suites. Kept free of CDK imports so the config suite
 * stays fast.
 */

export const KEY_EU_CENTRAL_1 =
  'arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
export const KEY_US_EAST_1 = 'arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab';

/** Production with two replicas (CLI string forms, as `-c` passes them) and an alarm email. */
export const PRODUCTION_GLOBAL_CONTEXT = {
  'dumpflow:profile': 'production',
  'dumpflow:region': 'eu-west-1',
  'dumpflow:replicaRegions': 'eu-central-1,us-east-1',
  'dumpflow:replicaKeyArns': `eu-central-1=${KEY_EU_CENTRAL_1},us-east-1=${KEY_US_EAST_1}`,
  'dumpflow:alarmEmail': 'oncall@example.com',
} as const;

/** The restore path: a table restored from point-in-time recovery, its new stream and the table key. */
export const RESTORED_TABLE = {
  name: 'DumpflowData-restored-2026-12-01',
  streamArn:
    'arn:aws:dynamodb:eu-west-1:111122223333:table/DumpflowData-restored-2026-12-01/stream/2026-12-01T10:00:00.000',
  keyArn: 'arn:aws:kms:eu-west-1:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab',
} as const;

export const RESTORED_TABLE_CONTEXT = {
  'dumpflow:existingTableName': RESTORED_TABLE.name,
  'dumpflow:existingTableStreamArn': RESTORED_TABLE.streamArn,
  'dumpflow:existingTableKeyArn': RESTORED_TABLE.keyArn,
} as const;

/** A copy of `values` without `key`. */
export function without<T extends object, K extends keyof T>(values: T, key: K): Omit<T, K> {
  const copy = { ...values };
  delete copy[key];
  return copy;
}
