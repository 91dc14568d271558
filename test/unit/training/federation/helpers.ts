/** Fixtures of the federation tests: random compressed-like deltas and a copier's noise. */
import { type Growth, MAX_GROWTH } from '../../../../training/arch.js';
import { MIN_DELTA_ENTRIES } from '../../../../training/compress.js';
import { type ModelDelta, zeroDelta } from '../../../../training/delta.js';
import { growNetworkModel, type NetworkModel } from '../../../../training/model.js';
import { Xoshiro128 } from '../../../../training/prng.js';

/**
 * A delta shaped like a trainer's compressed one: in every weight tensor k = max(512, ⌈density·n⌉)
 * (at most n) random coordinates at ±s or ±2s (s random per tensor), and random bias steps in
 * about half of the biases. Independent draws are nearly orthogonal (cosine ≈ 0).
 */
export function randomDelta(growth: Growth, seed: string, density = 1 / 128): ModelDelta {
  const rng = new Xoshiro128(seed);
  const d = zeroDelta(growth);
  for (const w of d.w) {
    const k = Math.min(w.length, Math.max(MIN_DELTA_ENTRIES, Math.ceil(density * w.length)));
    const s = 1 + rng.below(30);
    let placed = 0;
    while (placed < k) {
      const i = rng.below(w.length);
      if (w[i] !== 0) continue;
      w[i] = (rng.below(2) ? -1 : 1) * (rng.below(2) ? 2 * s : s);
      placed++;
    }
  }
  for (const b of d.b) for (let i = 0; i < b.length; i++) if (rng.below(2)) b[i] = rng.below(601) - 300;
  return d;
}

/** A copier's noise on `d`: 1% of each weight tensor's entries flipped, 10% moved elsewhere. */
export function copyWithNoise(d: ModelDelta, seed: string): ModelDelta {
  const rng = new Xoshiro128(seed);
  const out = zeroDelta(d.growth);
  d.w.forEach((src, t) => {
    const w = out.w[t]!;
    w.set(src);
    out.b[t]!.set(d.b[t]!);
    const nz: number[] = [];
    for (let i = 0; i < w.length; i++) if (w[i] !== 0) nz.push(i);
    for (let k = 0; k < Math.ceil(nz.length / 100); k++) {
      const i = nz[rng.below(nz.length)]!;
      w[i] = -w[i]!;
    }
    for (let k = 0; k < Math.ceil(nz.length / 10); k++) {
      const i = nz[rng.below(nz.length)]!;
      const j = rng.below(w.length);
      if (w[i] === 0 || w[j] !== 0) continue;
      w[j] = w[i]!;
      w[i] = 0;
    }
  });
  return out;
}

/** `m` grown to MAX_GROWTH in every head. */
export function fullyGrown(m: NetworkModel): NetworkModel {
  let g = m;
  MAX_GROWTH.forEach((steps, head) => {
    for (let s = 0; s < steps; s++) g = growNetworkModel(g, head);
  });
  return g;
}
