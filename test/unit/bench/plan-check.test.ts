import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planFromUnits, type Prices } from '../../../bench/capacity-model';
import { simulateMinute } from '../../../bench/plan-check';
import type { UnitsFile } from '../../../bench/units';
import { CONTEXT_DEFAULTS } from '../../../lib/config';

const bench = join(__dirname, '..', '..', '..', 'bench');
const units = JSON.parse(readFileSync(join(bench, 'results', 'fleet-units.json'), 'utf8')) as UnitsFile;
const prices = JSON.parse(readFileSync(join(bench, 'prices.json'), 'utf8')) as Prices;

describe('dumpflow plan against the committed fleet run', () => {
  it('agrees within 10% with a simulated minute of the fleet: 140 measured uploads drawn from the 70:20:10 mix, summed', () => {
    const minute = simulateMinute(units, { uploadsPerMinute: 140, seed: 1 });
    expect(Math.abs(minute.readRatio - 1)).toBeLessThan(0.1);
    expect(Math.abs(minute.writeRatio - 1)).toBeLessThan(0.1);
  });

  it('plans write units/s within 1.5x of new events/s x the measured write units per stored event plus the per-upload overhead', () => {
    expect(planFromUnits(units, prices, { dumpsPerMinute: 140 }).writeUnitsCheck.within1_5x).toBe(true);
  });

  it("gives the production profile's warm throughput and concurrency for the target load (140 uploads/min, 200,000 patients)", () => {
    const { context } = planFromUnits(units, prices).deployment;
    const production = CONTEXT_DEFAULTS.production;
    expect({
      warmReadUnitsPerSecond: production.warmReadUnitsPerSecond,
      warmWriteUnitsPerSecond: production.warmWriteUnitsPerSecond,
      parserMaxConcurrency: production.parserMaxConcurrency,
      parserReservedConcurrency: production.parserReservedConcurrency,
      workerMaxConcurrency: production.workerMaxConcurrency,
      workerReservedConcurrency: production.workerReservedConcurrency,
      kpiReservedConcurrency: production.kpiReservedConcurrency,
    }).toEqual(context);
  });
});
