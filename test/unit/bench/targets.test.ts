import { checkTargets, TARGETS, type TargetInputs } from '../../../bench/targets';

function inputs(overrides: Partial<TargetInputs> = {}): TargetInputs {
  return {
    fleetReadUnitsRatio: 600,
    writeUnitsPerStoredEvent: 0.012,
    billedBytesPerStoredEvent: 3.1,
    dayReadUnits: 3,
    freshSpeedup: 40,
    worstReUploadSpeedup: 60,
    pipelineToCeilingRatio: 6,
    firstUploadMixReadUnits: 70,
    storedDifference: 0,
    storedMatchesGenerator: true,
    ...overrides,
  };
}

const named = (checks: ReturnType<typeof checkTargets>, start: string) =>
  checks.find((c) => c.name.startsWith(start));

describe('checkTargets', () => {
  it('meets every target when every figure is inside it', () => {
    const checks = checkTargets(inputs());
    expect(checks).toHaveLength(10);
    expect(checks.every((t) => t.met)).toBe(true);
  });

  it("holds issue 11's limits: 0.05 write units and 20 billed bytes per stored event, 15 read units a day, 10x and 5x", () => {
    expect(named(checkTargets(inputs({ writeUnitsPerStoredEvent: 0.051 })), 'write units')?.met).toBe(false);
    expect(named(checkTargets(inputs({ writeUnitsPerStoredEvent: 0.05 })), 'write units')?.met).toBe(true);
    expect(named(checkTargets(inputs({ billedBytesPerStoredEvent: 20.5 })), 'billed storage')?.met).toBe(
      false,
    );
    expect(named(checkTargets(inputs({ dayReadUnits: 16 })), 'read units to read')?.met).toBe(false);
    expect(named(checkTargets(inputs({ freshSpeedup: 9.9 })), 'fresh 365-day')?.met).toBe(false);
    expect(named(checkTargets(inputs({ pipelineToCeilingRatio: 4.9 })), 'local pipeline')).toMatchObject({
      target: `>= ${TARGETS.pipelineToCeiling}`,
      met: false,
    });
  });

  it("holds issue 13's fleet read ratio to 300x as AWS bills them", () => {
    expect(named(checkTargets(inputs({ fleetReadUnitsRatio: 299 })), 'fleet: read units')?.met).toBe(false);
    expect(named(checkTargets(inputs({ fleetReadUnitsRatio: null })), 'fleet: read units')?.met).toBe(false);
  });

  it('leaves out a target whose figure was not measured, and misses one that could not be computed', () => {
    const checks = checkTargets({ pipelineToCeilingRatio: null });
    expect(checks).toHaveLength(1);
    expect(checks[0]?.met).toBe(false);
  });

  it('wants the same stored events as the source design and as the generator counts', () => {
    expect(named(checkTargets(inputs({ storedDifference: -3 })), 'same stored')).toMatchObject({
      measured: -3,
      met: false,
    });
    expect(named(checkTargets(inputs({ storedMatchesGenerator: false })), 'fleet: stored')?.met).toBe(false);
  });

  it('adds the under-60-s row only for a quick run', () => {
    expect(named(checkTargets(inputs()), '--quick')).toBeUndefined();
    expect(named(checkTargets(inputs({ quickWallSeconds: 59.9 })), '--quick')?.met).toBe(true);
    expect(named(checkTargets(inputs({ quickWallSeconds: 61 })), '--quick')?.met).toBe(false);
  });
});
