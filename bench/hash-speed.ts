import { daySeed, eventHash, type Hash128 } from '../lambdas/core/storage/hash';

/** eventHash alone, ns per event: the median of 5 timed runs over 1.1 million events (after one warm-up). */
export function measureHash(): number {
  const runs: number[] = [];
  const out: Hash128 = [0, 0, 0, 0];
  const seed = daySeed('PATIENT', 'DEVICE', 20_000);
  let sink = 0;
  for (let r = 0; r < 6; r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < 1_100_000; i++) {
      eventHash(i * 37, i, (i % 10) + 1, i & 3, i * 0.5, i & 0xffff, seed, out);
      sink ^= out[0];
    }
    if (r > 0) runs.push(Number(process.hrtime.bigint() - start) / 1_100_000);
  }
  if (sink === 0.5) console.log(sink); // keeps the loop from being optimised away
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}
