import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import fc from 'fast-check';
import {
  type BlockHeader,
  bitsToTarget,
  checkProofOfWork,
  devnetParams,
  encodeHeader,
  headerHash,
  sha256d,
} from '../../../../consensus/index.js';
import {
  createGrinder,
  grinderWasmPath,
  MAX_JOB_NONCES,
  meetsTarget,
  PowControl,
  PowWorker,
  searchInline,
  targetBytes,
} from '../../../../node/miner/index.js';
import { buildWasm } from '../../../../scripts/buildWasm.js';
import { osThreads } from './helpers.js';

/** About one hash in 4096 wins; still within devnet's powLimit. */
const MEDIUM_BITS = 0x1f0fffff;
/** Target 1: no hash will ever win. */
const IMPOSSIBLE_BITS = 0x01010000;

const header: BlockHeader = {
  version: 1,
  prevHash: new Uint8Array(32).fill(3),
  merkleRoot: new Uint8Array(32).fill(4),
  modelHash: new Uint8Array(32).fill(5),
  time: 1_800_000_000,
  bits: MEDIUM_BITS,
  nonce: 0n,
};

describe('node/miner proof of work', function () {
  this.timeout(60_000);
  before(() => {
    if (grinderWasmPath() === undefined) buildWasm();
  });

  it('targetBytes is the big-endian target and meetsTarget agrees with checkProofOfWork', () => {
    for (const bits of [devnetParams.powLimitBits, MEDIUM_BITS, 0x1d00ffff, IMPOSSIBLE_BITS]) {
      const t = targetBytes(bits);
      assert.equal(BigInt(`0x${Buffer.from(t).toString('hex')}`), bitsToTarget(bits));
    }
    const target = targetBytes(MEDIUM_BITS);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 3 }),
        (h, zeros) => {
          const hash = h.slice();
          hash.fill(0, 0, zeros); // bias towards the boundary
          let consensus = true;
          try {
            checkProofOfWork(hash, MEDIUM_BITS, devnetParams.powLimitBits);
          } catch {
            consensus = false;
          }
          return meetsTarget(hash, target) === consensus;
        },
      ),
      { numRuns: 2000 },
    );
    assert.ok(meetsTarget(target, target));
  });

  it('searchInline finds a nonce the consensus check accepts', async () => {
    const grinder = createGrinder();
    const r = await searchInline(grinder, encodeHeader(header), targetBytes(MEDIUM_BITS), 100n, 1_000_000);
    assert.ok(r.nonce !== null && r.nonce >= 100n);
    assert.equal(r.tries, Number(r.nonce - 100n) + 1);
    checkProofOfWork(headerHash({ ...header, nonce: r.nonce }), MEDIUM_BITS, devnetParams.powLimitBits);
    // more tries than one batch, not a multiple of it
    const tries = grinder.batch * 2 + 5;
    const none = await searchInline(grinder, encodeHeader(header), targetBytes(IMPOSSIBLE_BITS), 0n, tries);
    assert.deepEqual(none, { nonce: null, tries });
  });

  describe('PowWorker', () => {
    const control = new PowControl();
    let hashes = 0;
    const worker = new PowWorker(
      {},
      {
        control,
        onHashes: (n) => {
          hashes += n;
        },
      },
    );

    before(() => worker.start());
    after(() => worker.stop());

    it('grinds with the WASM grinder once it is built', () => {
      assert.equal(worker.engine, 'wasm');
    });

    it('finds a valid nonce in its range', async () => {
      const start = 7n << 32n;
      const r = await worker.search({
        header: encodeHeader(header),
        target: targetBytes(MEDIUM_BITS),
        nonceStart: start,
        count: MAX_JOB_NONCES,
        gen: control.generation,
      });
      assert.equal(r.kind, 'found');
      if (r.kind !== 'found') return;
      assert.equal(r.nonce, start + BigInt(r.hashes) - 1n);
      const found = { ...header, nonce: r.nonce };
      checkProofOfWork(headerHash(found), MEDIUM_BITS, devnetParams.powLimitBits);
      assert.deepEqual(r.hash, sha256d(encodeHeader(found)));
    });

    it('the node:crypto fallback thread finds the same nonce', async () => {
      const fallback = new PowWorker({ engine: 'node:crypto' }, { control });
      await fallback.start();
      try {
        assert.equal(fallback.engine, 'node:crypto');
        const job = {
          header: encodeHeader(header),
          target: targetBytes(MEDIUM_BITS),
          nonceStart: (1n << 32n) - 2n, // the search carries into the nonce's high half
          count: 1_000_000,
          gen: control.generation,
        };
        const r = await worker.search(job);
        assert.ok(r.kind === 'found' && r.nonce > 1n << 32n);
        assert.deepEqual(await fallback.search(job), r);
      } finally {
        await fallback.stop();
      }
    });

    it('reports an exhausted range with the exact hash count', async () => {
      hashes = 0;
      const r = await worker.search({
        header: encodeHeader(header),
        target: targetBytes(IMPOSSIBLE_BITS),
        nonceStart: 0n,
        count: 70_000,
        gen: control.generation,
      });
      assert.deepEqual(r, { kind: 'exhausted', hashes: 70_000 });
      assert.equal(hashes, 70_000, 'progress reports add up to the job');
    });

    it('stops promptly when interrupted', async () => {
      hashes = 0;
      const job = worker.search({
        header: encodeHeader(header),
        target: targetBytes(IMPOSSIBLE_BITS),
        nonceStart: 0n,
        count: MAX_JOB_NONCES,
        gen: control.generation,
      });
      await new Promise((r) => setTimeout(r, 300));
      const t0 = performance.now();
      control.interrupt();
      const r = await job;
      const latency = performance.now() - t0;
      assert.equal(r.kind, 'aborted');
      assert.ok(r.hashes > 0 && hashes === r.hashes, 'it was searching, and reported every hash');
      assert.ok(latency < 250, `interrupt took ${latency.toFixed(1)} ms`);
    });

    it('does not start a job of an older generation', async () => {
      const gen = control.generation;
      control.interrupt();
      const r = await worker.search({
        header: encodeHeader(header),
        target: targetBytes(MEDIUM_BITS),
        nonceStart: 0n,
        count: MAX_JOB_NONCES,
        gen,
      });
      assert.deepEqual(r, { kind: 'aborted', hashes: 0 });
    });

    it('stop() terminates the thread', async () => {
      const w = new PowWorker({}, { control: new PowControl() });
      const before = await osThreads();
      await w.start();
      assert.ok(w.running);
      if (before !== undefined) assert.ok((await osThreads())! > before);
      await w.stop();
      assert.ok(!w.running);
      if (before !== undefined) assert.equal(await osThreads(), before);
      await assert.rejects(
        w.search({
          header: encodeHeader(header),
          target: targetBytes(MEDIUM_BITS),
          nonceStart: 0n,
          count: 1,
          gen: 0,
        }),
        /not started/,
      );
    });
  });
});
