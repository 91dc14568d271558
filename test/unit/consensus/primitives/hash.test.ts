import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  createWasmHashKernel,
  type HashKernel,
  hash160,
  hashKernelName,
  nobleHashKernel,
  sha256d,
  sha256Of,
  sighash,
  spentOutputsHash,
  taggedHash,
  useHashKernel,
  Writer,
} from '../../../../consensus/index.js';
import { hashWasmPath, installWasmHashing } from '../../../../node/hashing.js';
import { buildWasm } from '../../../../scripts/buildWasm.js';

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();

/** The definition, computed with node:crypto: sha256(sha256(tag) || sha256(tag) || msgs…). */
function reference(tag: string, msgs: readonly Uint8Array[]): Buffer {
  const t = sha256(Buffer.from(tag, 'utf8'));
  return sha256(Buffer.concat([t, t, ...msgs]));
}

/** The WebAssembly kernel from the built module (built first if need be). */
function wasmKernel(): HashKernel {
  if (hashWasmPath() === undefined) buildWasm();
  return createWasmHashKernel(new WebAssembly.Module(readFileSync(hashWasmPath()!)));
}

describe('hashes: kernels', () => {
  afterEach(() => useHashKernel(null));

  it('a node installs the WebAssembly kernel; without the module hashing stays on noble', () => {
    assert.equal(hashKernelName(), 'js');
    assert.equal(installWasmHashing('/nonexistent/hash.wasm'), 'js');
    if (hashWasmPath() === undefined) buildWasm();
    assert.equal(installWasmHashing(), 'wasm');
    assert.equal(hashKernelName(), 'wasm');
  });

  it('the WebAssembly kernel equals node:crypto past its input area (messages fed in parts)', () => {
    useHashKernel(wasmKernel());
    const ripemd160 = (b: Uint8Array): Buffer => createHash('ripemd160').update(b).digest();
    for (const n of [65_535, 65_536, 65_537, 200_001]) {
      const m = Uint8Array.from({ length: n }, (_, i) => (i * 131 + 7) & 255);
      assert.deepEqual(Buffer.from(sha256Of(m)), sha256(m), `sha256 of ${n} bytes`);
      assert.deepEqual(Buffer.from(sha256d(m)), sha256(sha256(m)), `sha256d of ${n} bytes`);
      assert.deepEqual(Buffer.from(hash160(m)), ripemd160(sha256(m)), `hash160 of ${n} bytes`);
      const parts = [m.subarray(0, 70_000), m.subarray(70_000)];
      assert.deepEqual(
        Buffer.from(taggedHash('qenex/test', ...parts)),
        reference('qenex/test', parts),
        `tagged ${n}`,
      );
    }
  });
});

for (const name of ['js', 'wasm'] as const)
  describe(`hashes (${name} kernel)`, () => {
    before(() => useHashKernel(name === 'js' ? nobleHashKernel : wasmKernel()));
    after(() => useHashKernel(null));

    it('is the kernel in use', () => {
      assert.equal(hashKernelName(), name);
    });

    it('sha256d and hash160 equal node:crypto, call after call, at any length', () => {
      const ripemd160 = (b: Uint8Array): Buffer => createHash('ripemd160').update(b).digest();
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (m) => {
          assert.deepEqual(Buffer.from(sha256d(m)), sha256(sha256(m)));
          assert.deepEqual(Buffer.from(hash160(m)), ripemd160(sha256(m)));
          assert.deepEqual(Buffer.from(sha256d(m)), sha256(sha256(m)), 'the same again');
        }),
        { seed: 5, numRuns: 300 },
      );
    });

    it('equals the definition for any tag and split of the message, call after call', () => {
      fc.assert(
        fc.property(
          fc.constantFrom('qenex/sighash', 'qenex/merkle-node', 'x', ''),
          fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 4 }),
          (tag, msgs) => {
            const want = reference(tag, msgs);
            assert.deepEqual(Buffer.from(taggedHash(tag, ...msgs)), want);
            // the cached state is not consumed by a call
            assert.deepEqual(Buffer.from(taggedHash(tag, ...msgs)), want);
          },
        ),
        { seed: 7, numRuns: 300 },
      );
    });

    it('at the SHA-256 padding boundaries', () => {
      for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 128]) {
        const m = Uint8Array.from({ length: n }, (_, i) => i);
        assert.deepEqual(
          Buffer.from(taggedHash('qenex/test', m)),
          reference('qenex/test', [m]),
          `${n} bytes`,
        );
      }
    });

    it('sighash is the tagged hash of magic u32 | txid | spentHash | index u32 (little-endian)', () => {
      fc.assert(
        fc.property(
          fc.nat({ max: 0xffffffff }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.nat({ max: 0xffffffff }),
          (magic, txid, spent, index) => {
            const msg = new Writer(72).u32(magic).bytes(txid).bytes(spent).u32(index).finish();
            assert.deepEqual(
              Buffer.from(sighash(magic, txid, spent, index)),
              reference('qenex/sighash', [msg]),
            );
          },
        ),
        { seed: 11, numRuns: 200 },
      );
    });

    it('spentOutputsHash is sha256 of value u64 | pkh per spent output (little-endian)', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.record({
              value: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
              pubKeyHash: fc.uint8Array({ minLength: 20, maxLength: 20 }),
            }),
            { maxLength: 5 },
          ),
          (spent) => {
            const w = new Writer(28);
            for (const o of spent) w.u64(o.value).bytes(o.pubKeyHash);
            assert.deepEqual(Buffer.from(spentOutputsHash(spent)), sha256(w.finish()));
          },
        ),
        { seed: 13, numRuns: 200 },
      );
    });
  });
