import { benchTargets, type TargetInputs } from '../../../bench/targets';

function inputs(overrides: Partial<TargetInputs> = {}): TargetInputs {
  return {
    mixReadUnitsRatio: 150,
    mixReadUnitsRatioWithMinimum: 200,
    mixWriteUnitsPerStoredEvent: 1.03,
    worstFirstUploadWriteUnitsPerStoredEvent: 1.04,
    worstReUploadSpeedup: 60,
    pipelineToCeilingRatio: 0.85,
    mixStoredDifference: 0,
    ...overrides,
  };
}

const named = (checks: ReturnType<typeof benchTargets>, name: string) => checks.find((c) => c.name === name);

describe('benchTargets', () => {
  it('meets every target when every figure is inside it', () => {
    expect(benchTargets(inputs()).every((t) => t.met)).toBe(true);
  });

  it('checks the local pipeline at 80% of the raw write ceiling', () => {
    const name = 'local pipeline / raw write ceiling';
    expect(named(benchTargets(inputs({ pipelineToCeilingRatio: 0.8 })), name)).toMatchObject({
      target: '>= 0.8',
      measured: 0.8,
      met: true,
    });
    expect(named(benchTargets(inputs({ pipelineToCeilingRatio: 0.53 })), name)?.met).toBe(false);
    expect(named(benchTargets(inputs({ pipelineToCeilingRatio: null })), name)?.met).toBe(false);
  });

  it('misses a ratio target when the ratio could not be computed', () => {
    const checks = benchTargets(inputs({ mixReadUnitsRatio: null, worstReUploadSpeedup: null }));
    expect(named(checks, 'readUnitsRatio on the upload mix')?.met).toBe(false);
    expect(named(checks, 're-upload speedup (baseline wall / project wall), worst dump length')?.met).toBe(
      false,
    );
  });

  it('holds write units per stored event to 1.05', () => {
    const checks = benchTargets(inputs({ mixWriteUnitsPerStoredEvent: 1.12 }));
    expect(named(checks, 'write units per newly stored event, upload mix')?.met).toBe(false);
  });

  it('wants the same stored events as the baseline', () => {
    const check = named(
      benchTargets(inputs({ mixStoredDifference: -3 })),
      'same stored events as the baseline on the mix',
    );
    expect(check).toMatchObject({ measured: -3, met: false });
  });

  it('adds the under-60-s row only for a quick run', () => {
    expect(named(benchTargets(inputs()), '--quick wall time, seconds')).toBeUndefined();
    expect(named(benchTargets(inputs({ quickWallSeconds: 59.9 })), '--quick wall time, seconds')?.met).toBe(
      true,
    );
    expect(named(benchTargets(inputs({ quickWallSeconds: 61 })), '--quick wall time, seconds')?.met).toBe(
      false,
    );
  });
});
