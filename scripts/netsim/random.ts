/** A small seeded PRNG (mulberry32): the netsim's random choices are reproducible per seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An exponential wait of mean `meanMs` from `random` (uniform in [0, 1)): the gap between two
 * events of a Poisson process, as between mined blocks.
 */
export function exponentialMs(random: () => number, meanMs: number): number {
  return -Math.log(1 - random()) * meanMs;
}
