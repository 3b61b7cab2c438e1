import type { UnitsFile, UploadUnits } from '../../../bench/units';

/** One measured upload with round numbers: `chunks` chunks, `stored` new events over `gapDays` days. */
export function upload(kind: UploadUnits['kind'], stored: number, chunks: number, gapDays = 1): UploadUnits {
  return {
    kind,
    coverageDays: kind === 'week' ? 7 : kind === 'quarter' ? 90 : 365,
    gapDays,
    records: 20 * stored,
    dumpBytes: 32 * 20 * stored,
    project: {
      stored,
      chunks,
      requests: 10 + 6 * chunks,
      readUnits: (kind === 'year' ? 30 : 4) + 3,
      writeUnits: 10 + 8 * chunks + stored / 500,
      pageReadUnits: 3,
      pageWriteUnits: stored / 500,
      dynamodbLocalReadUnits: 5,
      dynamodbLocalWriteUnits: 20 + 16 * chunks + stored / 250,
    },
    kpi: { requests: 3, readUnits: 4, writeUnits: 1 },
    baseline: {
      stored,
      requests: kind === 'year' ? 3650 : 450,
      readUnits: kind === 'year' ? 30_000 : 3_400,
      writeUnits: stored,
      dynamodbLocalReadUnits: kind === 'year' ? 29_000 : 3_000,
      daysRead: kind === 'year' ? 365 : 45,
    },
  };
}

export function unitsFixture(uploads: readonly UploadUnits[]): UnitsFile {
  return {
    format: 'dumpflow-fleet-units/1',
    source: {
      command: 'test',
      startedAt: '2026-12-01T00:00:00.000Z',
      machine: 'test',
      loadAverage: { start: 1, end: 1 },
      note: '',
    },
    eventsPerDay: 3000,
    fleet: { devices: uploads.length, periodDays: 1, seed: 1 },
    meanDaysSincePreviousUpload: uploads.reduce((n, u) => n + u.gapDays, 0) / uploads.length,
    storedPerDeviceDay:
      uploads.reduce((n, u) => n + u.project.stored, 0) / uploads.reduce((n, u) => n + u.gapDays, 0),
    chunkMessageBytesPerEvent: 32,
    storage: {
      streamPages: { items: 10, bytes: 40_000, dataBytes: 39_000, events: 15_000 },
      pageDataBytesPerEvent: 2.6,
      pageFixedBytes: 100,
      streamPageBilledBytesPerEvent: 2.75,
      summaryBilledBytes: 350,
      perPatientDeviceBilledBytes: 500,
      ledgerBilledBytesPerUpload: 1_200,
    },
    uploads,
  };
}
