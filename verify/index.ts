/** `dumpflow verify`: reconciles a dump bucket with the ledger and the stored events (docs/verify.md). */
export { verifyStore, type VerifyStoreOptions, type VerifyProgress } from './verify-store';
export * from './reconcile';
export * from './types';
