import { strict as assert } from 'node:assert';
import { SIG_SLICE, type SigCheck, type SigVerifier, SliceVerifier } from '../../../../consensus/index.js';

/** A check the fake verifier calls invalid when its first signature byte is 0xff. */
function check(i: number, bad = false): SigCheck {
  const sig = new Uint8Array(64);
  sig[0] = bad ? 0xff : 0;
  new DataView(sig.buffer).setUint32(4, i);
  return { msg: new Uint8Array(32), sig, pubkey: new Uint8Array(32) };
}

/** Asynchronous like a worker pool; records the length of every batch it is given. */
function fakeVerifier(): SigVerifier & { batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    async verifyBatch(checks) {
      batches.push(checks.length);
      await new Promise((r) => setImmediate(r));
      return checks.findIndex((c) => c.sig[0] === 0xff);
    },
  };
}

/** Offers `checks` one by one as connectBlock does, then flushes; the first bad index. */
async function streamed(checks: readonly SigCheck[], slice?: number): Promise<number> {
  const v = new SliceVerifier(fakeVerifier(), slice);
  const growing: SigCheck[] = [];
  for (const c of checks) {
    growing.push(c);
    v.offer(growing);
  }
  v.offer(growing, true);
  return v.firstBad();
}

describe('SliceVerifier (signatures verified while a block is connected)', () => {
  it('gives the index one batch of the whole list gives, wherever the invalid checks are', async () => {
    const n = 2 * SIG_SLICE + 37;
    const cases: number[][] = [
      [],
      [0],
      [SIG_SLICE - 1],
      [SIG_SLICE],
      [SIG_SLICE + 5, 3],
      [n - 1],
      [n - 1, SIG_SLICE + 1],
    ];
    for (const bad of cases) {
      const checks = Array.from({ length: n }, (_, i) => check(i, bad.includes(i)));
      const whole = await fakeVerifier().verifyBatch(checks);
      assert.equal(await streamed(checks), whole, `invalid at ${bad.join(',') || 'none'}`);
      assert.equal(whole, bad.length === 0 ? -1 : Math.min(...bad));
    }
    assert.equal(await streamed([]), -1, 'no checks');
  });

  it('sends a slice once a whole one waits behind it; the rest, at least a slice, when flushed', async () => {
    const fake = fakeVerifier();
    const v = new SliceVerifier(fake, 2);
    const growing: SigCheck[] = [];
    for (let i = 0; i < 7; i++) {
      growing.push(check(i, i === 6));
      v.offer(growing);
      if (i === 3) assert.deepEqual(fake.batches, [2], 'the first slice left at the fourth check');
    }
    assert.deepEqual(fake.batches, [2, 2], 'two slices went out before the list was complete');
    v.offer(growing, true);
    v.offer(growing, true); // nothing left to send
    assert.deepEqual(fake.batches, [2, 2, 3], 'the last batch is not smaller than a slice');
    assert.equal(await v.firstBad(), 6);
  });

  it("a verifier's failure is the caller's error, not a verdict", async () => {
    const failing: SigVerifier = {
      verifyBatch: async () => {
        throw new Error('pool stopped');
      },
    };
    const v = new SliceVerifier(failing, 1);
    v.offer([check(0)], true);
    await assert.rejects(v.firstBad(), /pool stopped/);
  });
});
