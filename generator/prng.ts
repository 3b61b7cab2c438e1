/**
 * Small deterministic randomness for the generator (never Math.random): every stream is derived
 * from integers such as (seed, device, night), so the same inputs always give the same events.
 */

// A module-level alias: inside jest's vm context every global lookup of `Math` goes through an
// interceptor and costs ~1 µs, which made generator tests ~100x slower than the same code in node.
const imul = Math.imul;
const floor = Math.floor;

/** Mixes any number of 32-bit integers into one well-spread 32-bit seed (murmur3's finaliser per step). */
export function hashInts(...values: number[]): number {
  let h = 0x9e3779b9;
  for (const value of values) {
    h = imul(h ^ (value >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    // Fold in the high bits of values beyond 32 bits (day numbers, timestamps) too.
    h = imul(h ^ floor(value / 4_294_967_296), 0x27d4eb2f);
    h ^= h >>> 15;
  }
  return h >>> 0;
}

/** A mulberry32 stream with the helpers the generator needs. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** Uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + floor(this.next() * (max - min + 1));
  }

  /** Uniform in [min, max). */
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** Roughly normal (sum of three uniforms), mean `mean`, standard deviation `sd`. */
  normal(mean: number, sd: number): number {
    return mean + sd * (this.next() + this.next() + this.next() - 1.5) * 2;
  }
}
