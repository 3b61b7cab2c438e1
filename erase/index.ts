export {
  ERASE_KINDS,
  erasePatient,
  EraseUsageError,
  type EraseCounts,
  type EraseKind,
  type ErasePatientOptions,
  type EraseReport,
} from './erase-patient';
