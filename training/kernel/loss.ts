/**
 * The consensus log-loss of one sample: −log2 softmax(logits)[label], in integers only, so that
 * every kernel, thread and machine computes the same value from the same int32 logits (the
 * kernels already agree on the logits bit for bit). Unit: 1/256 bit (LOSS_ONE_BIT), clipped to
 * [0, LOSS_CAP] so that one confidently wrong sample cannot outweigh thousands of others in the
 * paired significance test (consensus poi/improvement.ts).
 *
 * A last-layer logit z stands for z / (127·64) nats (training/use.ts). With m the row's largest
 * logit, each logit's distance d = m − z becomes a base-2 exponent in 1/256 steps,
 * e = ⌊d · 2978 / 2^16⌋ (2978/2^16 ≈ 256 / (127·64·ln 2)); 2^(−e/256) comes from a 256-entry table
 * of 2^(−i/256) in Q16 and a shift; the sum s of those (≥ 2^16, from the largest logit) gives
 * log2(s / 2^16) from s's leading bit and a 256-entry table of log2(1 + i/256) in 1/256 steps.
 * The loss is that log2-sum-exp plus the label's own exponent. Logits more than 16 bits below the
 * largest add nothing (their term is below the table's resolution).
 *
 * The tables are literals, not computed at load: Math.pow and Math.log2 are not required to give
 * the same last bit on every engine (test/unit/training/loss.test.ts recomputes and compares them).
 */

/** Loss units per bit. */
export const LOSS_ONE_BIT = 256;
/** Largest per-sample loss (16 bits). */
export const LOSS_CAP = 16 * LOSS_ONE_BIT;
/** e = (d · EXP_MUL) >>> 16 turns a logit distance into 1/256-bit steps. */
export const EXP_MUL = 2978;
/** Distances at or beyond this give e ≥ LOSS_CAP: their term is 0 (and the label's loss is capped). */
export const MAX_DIST = Math.ceil((LOSS_CAP << 16) / EXP_MUL);

/** round(2^16 · 2^(−i/256)), i = 0..255. */
// biome-ignore format: a table of 16 a row
export const EXP2_Q16: readonly number[] = [
  65536, 65359, 65182, 65006, 64830, 64655, 64480, 64306, 64132, 63958, 63785, 63613, 63441, 63269, 63098, 62928,
  62757, 62588, 62419, 62250, 62081, 61914, 61746, 61579, 61413, 61247, 61081, 60916, 60751, 60587, 60423, 60260,
  60097, 59934, 59772, 59611, 59449, 59289, 59128, 58968, 58809, 58650, 58491, 58333, 58176, 58018, 57861, 57705,
  57549, 57393, 57238, 57083, 56929, 56775, 56622, 56468, 56316, 56163, 56012, 55860, 55709, 55558, 55408, 55258,
  55109, 54960, 54811, 54663, 54515, 54368, 54221, 54074, 53928, 53782, 53637, 53492, 53347, 53203, 53059, 52916,
  52773, 52630, 52488, 52346, 52204, 52063, 51922, 51782, 51642, 51502, 51363, 51224, 51085, 50947, 50810, 50672,
  50535, 50399, 50262, 50126, 49991, 49856, 49721, 49586, 49452, 49319, 49185, 49052, 48920, 48787, 48655, 48524,
  48393, 48262, 48131, 48001, 47871, 47742, 47613, 47484, 47356, 47228, 47100, 46973, 46846, 46719, 46593, 46467,
  46341, 46216, 46091, 45966, 45842, 45718, 45594, 45471, 45348, 45225, 45103, 44981, 44859, 44738, 44617, 44497,
  44376, 44256, 44137, 44017, 43898, 43780, 43661, 43543, 43425, 43308, 43191, 43074, 42958, 42841, 42726, 42610,
  42495, 42380, 42265, 42151, 42037, 41923, 41810, 41697, 41584, 41472, 41360, 41248, 41136, 41025, 40914, 40804,
  40693, 40583, 40473, 40364, 40255, 40146, 40037, 39929, 39821, 39714, 39606, 39499, 39392, 39286, 39180, 39074,
  38968, 38863, 38757, 38653, 38548, 38444, 38340, 38236, 38133, 38030, 37927, 37824, 37722, 37620, 37518, 37417,
  37316, 37215, 37114, 37014, 36914, 36814, 36715, 36615, 36516, 36417, 36319, 36221, 36123, 36025, 35928, 35831,
  35734, 35637, 35541, 35445, 35349, 35253, 35158, 35063, 34968, 34874, 34779, 34685, 34591, 34498, 34405, 34312,
  34219, 34126, 34034, 33942, 33850, 33759, 33667, 33576, 33486, 33395, 33305, 33215, 33125, 33035, 32946, 32857,
];

/** round(256 · log2(1 + i/256)), i = 0..255. */
// biome-ignore format: a table of 16 a row
export const LOG2_Q8: readonly number[] = [
  0, 1, 3, 4, 6, 7, 9, 10, 11, 13, 14, 16, 17, 18, 20, 21,
  22, 24, 25, 26, 28, 29, 30, 32, 33, 34, 36, 37, 38, 40, 41, 42,
  44, 45, 46, 47, 49, 50, 51, 52, 54, 55, 56, 57, 59, 60, 61, 62,
  63, 65, 66, 67, 68, 69, 71, 72, 73, 74, 75, 77, 78, 79, 80, 81,
  82, 84, 85, 86, 87, 88, 89, 90, 92, 93, 94, 95, 96, 97, 98, 99,
  100, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 116, 117,
  118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133,
  134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149,
  150, 151, 152, 153, 154, 155, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164,
  165, 166, 167, 168, 169, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 178,
  179, 180, 181, 182, 183, 184, 185, 185, 186, 187, 188, 189, 190, 191, 192, 192,
  193, 194, 195, 196, 197, 198, 198, 199, 200, 201, 202, 203, 203, 204, 205, 206,
  207, 208, 208, 209, 210, 211, 212, 212, 213, 214, 215, 216, 216, 217, 218, 219,
  220, 220, 221, 222, 223, 224, 224, 225, 226, 227, 228, 228, 229, 230, 231, 231,
  232, 233, 234, 234, 235, 236, 237, 238, 238, 239, 240, 241, 241, 242, 243, 244,
  244, 245, 246, 247, 247, 248, 249, 249, 250, 251, 252, 252, 253, 254, 255, 255,
];

const EXP2 = Int32Array.from(EXP2_Q16);
const LOG2 = Int32Array.from(LOG2_Q8);

/** The 1/256-bit exponent of a logit distance d ≥ 0 (LOSS_CAP and above: beyond the tables). */
function steps(d: number): number {
  return d >= MAX_DIST ? LOSS_CAP : (d * EXP_MUL) >>> 16;
}

/**
 * The loss of `label` under the logits `logits[at .. at + n)` (n ≥ 1 int32 values), in
 * 1/256 bit, in [0, LOSS_CAP].
 */
export function sampleLoss(logits: Int32Array, at: number, n: number, label: number): number {
  let m = logits[at]!;
  for (let o = 1; o < n; o++) if (logits[at + o]! > m) m = logits[at + o]!;
  return lossAtMax(logits, at, n, label, m);
}

/** sampleLoss when the caller already knows the row's largest logit `m`. */
export function lossAtMax(logits: Int32Array, at: number, n: number, label: number, m: number): number {
  // Σ 2^16 · 2^(−e/256) over the logits; the largest adds 2^16, each term ≤ 2^16, n ≤ 2^15
  let s = 0;
  for (let o = 0; o < n; o++) {
    const e = steps(m - logits[at + o]!);
    if (e < LOSS_CAP) s += EXP2[e & 255]! >>> (e >>> 8);
  }
  // log2(s) = b + log2(1 + f), b the leading bit's position (≥ 16), f its next 8 bits
  const b = 31 - Math.clz32(s);
  const logSum = ((b - 16) << 8) + LOG2[(s >>> (b - 8)) & 255]!;
  const loss = logSum + steps(m - logits[at + label]!);
  return loss > LOSS_CAP ? LOSS_CAP : loss;
}

/**
 * The t statistic of the paired log-loss test (consensus poi/improvement.ts isSignificant, which
 * compares integers) from its sums over `count` samples: for reports and experiments.
 */
export function lossZ(gain: { readonly sum: number; readonly sumSq: number }, count: number): number {
  const { sum, sumSq } = gain;
  if (count < 2) return 0;
  const v = count * sumSq - sum * sum;
  if (v <= 0) return sum > 0 ? Infinity : sum < 0 ? -Infinity : 0;
  return (sum * Math.sqrt(count - 1)) / Math.sqrt(v);
}
