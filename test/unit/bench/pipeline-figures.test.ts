import {
  BenchArgumentError,
  meetsPipelineTarget,
  parsePipelineBenchArgs,
  pipelineToCeiling,
  pipelineWindow,
  rateOf,
} from '../../../bench/pipeline-figures';

describe('rateOf', () => {
  it('divides events by seconds', () => {
    expect(rateOf(3000, 1500)).toEqual({ events: 3000, seconds: 1.5, eventsPerSecond: 2000 });
  });

  it('reports 0 events/s for an empty window rather than Infinity', () => {
    expect(rateOf(10, 0).eventsPerSecond).toBe(0);
  });
});

describe('pipelineToCeiling', () => {
  it('is pipeline events/s over ceiling items/s', () => {
    expect(pipelineToCeiling(800, 1000)).toBeCloseTo(0.8);
  });

  it('is null when the ceiling measured nothing', () => {
    expect(pipelineToCeiling(800, 0)).toBeNull();
  });
});

describe('meetsPipelineTarget', () => {
  it('needs 5 or more (issue 11: five times the one-item-per-event ceiling)', () => {
    expect(meetsPipelineTarget(5)).toBe(true);
    expect(meetsPipelineTarget(4.99)).toBe(false);
    expect(meetsPipelineTarget(null)).toBe(false);
  });
});

describe('pipelineWindow', () => {
  it('runs from the earliest upload to the latest completion and sums what was stored', () => {
    const window = pipelineWindow([
      { uploadedAt: 1_000, completedAt: 5_000, stored: 10 },
      { uploadedAt: 1_200, completedAt: 9_000, stored: 20 },
      { uploadedAt: 900, completedAt: 4_000, stored: 5 },
    ]);
    expect(window).toEqual({ stored: 35, ms: 8_100 });
  });

  it('counts rejected dumps (no completion) in neither end nor events', () => {
    const window = pipelineWindow([
      { uploadedAt: 1_000, completedAt: 2_000, stored: 7 },
      { uploadedAt: 1_100, stored: 0 },
    ]);
    expect(window).toEqual({ stored: 7, ms: 1_000 });
  });

  it('is empty without any finished dump', () => {
    expect(pipelineWindow([])).toEqual({ stored: 0, ms: 0 });
  });
});

describe('parsePipelineBenchArgs', () => {
  it('defaults to 8 week-long dumps of 3,000 events a day, 4 workers, 8 writes in flight per worker', () => {
    expect(parsePipelineBenchArgs([])).toEqual({
      dumps: 8,
      days: 7,
      eventsPerDay: 3000,
      workers: 4,
      ceilingConcurrency: 32,
    });
  });

  it('reads every flag, spaced or with =', () => {
    expect(
      parsePipelineBenchArgs(['--dumps', '2', '--days=90', '--events-per-day', '100', '--workers', '2']),
    ).toEqual({ dumps: 2, days: 90, eventsPerDay: 100, workers: 2, ceilingConcurrency: 16 });
    expect(parsePipelineBenchArgs(['--ceiling-concurrency', '5']).ceilingConcurrency).toBe(5);
  });

  it.each([[['--dumps', '0']], [['--dumps', '1.5']], [['--days']], [['--workers', 'four']], [['--quick']]])(
    'refuses %j with E_BENCH_ARGS',
    (argv) => {
      expect(() => parsePipelineBenchArgs(argv)).toThrow(BenchArgumentError);
      expect(() => parsePipelineBenchArgs(argv)).toThrow(
        expect.objectContaining({ code: 'E_BENCH_ARGS' }) as Error,
      );
    },
  );
});
