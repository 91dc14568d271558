/**
 * Proof-of-work hashing, hashes per second of one thread, side by side in one run:
 *  - node:crypto's sha256d of the 116-byte header, one call per hash (the baseline);
 *  - consensus headerHash (encode + noble sha256d), what validation does per header;
 *  - bcrypto's native hash256, one call per hash (a native per-call option, for comparison);
 *  - the node:crypto grinder: the miner's search loop before the WASM grinder, and its fallback;
 *  - the WASM SIMD grinder (midstate, four nonces at once in i32x4 lanes), a batch per call;
 *  - a PowWorker thread end to end with each grinder (job message, interrupt checks, progress);
 * and how soon a PowWorker's job stops after PowControl.interrupt() (what a new tip waits for).
 * The target is 1, so no nonce wins and every call tries its whole range. The goal of issue 14:
 * the WASM grinder at least 5× the baseline.
 */
import { hash } from 'node:crypto';
import { createRequire } from 'node:module';
import { type BlockHeader, encodeHeader, headerHash } from '../../consensus/index.js';
import {
  CryptoGrinder,
  type Grinder,
  grinderWasmPath,
  loadWasmGrinder,
  MAX_JOB_NONCES,
  PowControl,
  PowWorker,
  targetBytes,
} from '../../node/miner/index.js';
import { buildWasm } from '../buildWasm.js';
import { type BenchResult, measure, printTable } from './harness.js';

const BASELINE = 'node:crypto sha256d per call';
const ROUNDS = 3;
const ROUND_MS = 1000;
const INTERRUPTS = 11;
/** Compact bits of target 1: no hash wins. */
const IMPOSSIBLE_BITS = 0x01010000;

const header: BlockHeader = {
  version: 1,
  prevHash: new Uint8Array(32).fill(0xa1),
  merkleRoot: new Uint8Array(32).fill(0xb2),
  modelHash: new Uint8Array(32).fill(0xc3),
  time: 1_800_000_000,
  bits: IMPOSSIBLE_BITS,
  nonce: 0n,
};

interface Hash256 {
  digest(data: Buffer): Buffer;
}

interface Row {
  readonly name: string;
  readonly fn: () => void | Promise<void>;
  readonly opsPerCall: number;
}

/** One grind() batch per call. */
function grinderRow(name: string, g: Grinder): Row {
  g.setJob(encodeHeader(header), targetBytes(IMPOSSIBLE_BITS));
  let start = 0n;
  return {
    name,
    fn: () => {
      if (g.grind(start, g.batch) !== null) throw new Error('a nonce beat target 1');
      start += BigInt(g.batch);
    },
    opsPerCall: g.batch,
  };
}

/** One whole job of `nonces` on a started PowWorker per call. */
function workerRow(worker: PowWorker, control: PowControl, nonces: number): Row {
  let start = 0n;
  const job = { header: encodeHeader(header), target: targetBytes(IMPOSSIBLE_BITS), count: nonces };
  return {
    name: `PowWorker thread, ${worker.engine} (whole jobs)`,
    fn: async () => {
      const r = await worker.search({ ...job, nonceStart: start, gen: control.generation });
      if (r.kind !== 'exhausted') throw new Error(`worker job ${r.kind}`);
      start += BigInt(nonces);
    },
    opsPerCall: nonces,
  };
}

/**
 * Measures the rows in turn, ROUNDS times over, and sums each row's rounds: the machine's load
 * (other processes on two shared cores) then weighs on every row alike, and the ratios hold.
 */
async function interleaved(rows: readonly Row[]): Promise<BenchResult[]> {
  const sums = rows.map((r) => ({ name: r.name, ops: 0, calls: 0, elapsedMs: 0 }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, row] of rows.entries()) {
      const r = await measure(row.name, row.fn, {
        opsPerCall: row.opsPerCall,
        minMs: ROUND_MS,
        warmupMs: round === 0 ? 300 : 20,
      });
      const sum = sums[i]!;
      sum.ops += r.ops;
      sum.calls += r.calls;
      sum.elapsedMs += r.elapsedMs;
    }
  }
  return sums.map((s) => ({
    ...s,
    opsPerSec: (s.ops * 1000) / s.elapsedMs,
    msPerCall: s.elapsedMs / s.calls,
  }));
}

/** Milliseconds from interrupt() to the aborted job's reply, INTERRUPTS times: median and max. */
async function interruptLatency(worker: PowWorker, control: PowControl): Promise<string> {
  const ms: number[] = [];
  for (let i = 0; i < INTERRUPTS; i++) {
    const job = worker.search({
      header: encodeHeader(header),
      target: targetBytes(IMPOSSIBLE_BITS),
      nonceStart: 0n,
      count: MAX_JOB_NONCES,
      gen: control.generation,
    });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = performance.now();
    control.interrupt();
    if ((await job).kind !== 'aborted') throw new Error('the job was not interrupted');
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return `${worker.engine}: median ${ms[INTERRUPTS >> 1]!.toFixed(1)} ms, max ${ms[INTERRUPTS - 1]!.toFixed(1)} ms`;
}

export async function run(): Promise<void> {
  if (grinderWasmPath() === undefined) buildWasm();
  const wasm = loadWasmGrinder();
  if (!wasm) throw new Error('the WASM grinder does not load here (no WASM SIMD?)');
  const bytes = Buffer.from(encodeHeader(header));
  const hash256 = createRequire(import.meta.url)('bcrypto/lib/hash256') as Hash256;
  const control = new PowControl();
  const workers = (['node:crypto', 'wasm'] as const).map((engine) => new PowWorker({ engine }, { control }));
  await Promise.all(workers.map((w) => w.start()));
  const N = 2000;
  try {
    const rows = await interleaved([
      {
        name: BASELINE,
        fn: () => {
          for (let i = 0; i < N; i++) hash('sha256', hash('sha256', bytes, 'buffer'), 'buffer');
        },
        opsPerCall: N,
      },
      {
        name: 'consensus headerHash (noble)',
        fn: () => {
          for (let i = 0; i < N; i++) headerHash(header);
        },
        opsPerCall: N,
      },
      {
        name: 'bcrypto native hash256 per call',
        fn: () => {
          for (let i = 0; i < N; i++) hash256.digest(bytes);
        },
        opsPerCall: N,
      },
      grinderRow('node:crypto grinder (miner before; fallback)', new CryptoGrinder()),
      grinderRow('WASM SIMD grinder, midstate + 4 lanes', wasm),
      // jobs of about 0.4 s each
      workerRow(workers[0]!, control, 1 << 17),
      workerRow(workers[1]!, control, 1 << 21),
    ]);
    printTable('proof-of-work hashes per second, one thread', rows, BASELINE);
    console.log(`\ninterrupt() to the job's reply, ${INTERRUPTS} times:`);
    for (const w of workers) console.log(`  ${await interruptLatency(w, control)}`);
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
}
