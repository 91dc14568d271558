import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  type Block,
  type BlockHeader,
  blockWithIds,
  type Coin,
  DecodeError,
  decodeBlock,
  decodeCoin,
  decodeHeader,
  decodeModelUpdate,
  decodeTx,
  decodeUndo,
  encodeBlock,
  encodeCoin,
  encodeHeader,
  encodeModelUpdate,
  encodeTx,
  encodeUndo,
  HEADER_SIZE,
  headerHash,
  type ModelUpdate,
  modelUpdateId,
  Reader,
  type Transaction,
  txid,
  Writer,
  withId,
  wtxid,
} from '../../../../consensus/index.js';

const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

const arbTx: fc.Arbitrary<Transaction> = fc
  .tuple(
    u32,
    fc.array(fc.record({ prevout: fc.record({ txid: bytes(32), index: u32 }) }), { maxLength: 5 }),
    fc.array(fc.record({ value: u64, pubKeyHash: bytes(20) }), { maxLength: 5 }),
    u32,
  )
  .chain(([version, inputs, outputs, lockTime]) =>
    fc
      .array(fc.record({ pubkey: bytes(32), sig: bytes(64) }), {
        minLength: inputs.length,
        maxLength: inputs.length,
      })
      .map((witnesses) => ({ version, inputs, outputs, lockTime, witnesses })),
  );

const arbHeader: fc.Arbitrary<BlockHeader> = fc.record({
  version: u32,
  prevHash: bytes(32),
  merkleRoot: bytes(32),
  modelHash: bytes(32),
  time: u32,
  bits: u32,
  nonce: u64,
});

const arbUpdate: fc.Arbitrary<ModelUpdate> = fc.record({
  baseModelHash: bytes(32),
  claimedPpm: u32,
  levels: fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 8 }),
  grow: fc.option(fc.integer({ min: 0, max: 7 }), { nil: null }),
  rule: fc.integer({ min: 0, max: 255 }),
  contributions: fc.array(
    fc.record({
      payout: bytes(20),
      pubkey: bytes(32),
      samples: u32,
      delta: fc.uint8Array({ maxLength: 300 }),
      sig: bytes(64),
    }),
    { maxLength: 4 },
  ),
});

const arbBlock: fc.Arbitrary<Block> = fc.record({
  header: arbHeader,
  txs: fc.array(arbTx, { maxLength: 4 }),
  update: fc.option(arbUpdate, { nil: null }),
});

const arbCoin: fc.Arbitrary<Coin> = fc.record({
  value: u64,
  pubKeyHash: bytes(20),
  height: u32,
  coinbase: fc.boolean(),
});

/** fast-check builds null-prototype records; compare against plain copies. */
const plain = <T>(x: T): T => structuredClone(x);

/** Calls `fn` and requires that it either returns or throws a DecodeError (nothing else). */
function onlyDecodeErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
  }
}

describe('consensus codecs', () => {
  it('round-trips transactions, headers, updates, blocks, coins and undo data', () => {
    fc.assert(fc.property(arbTx, (tx) => assert.deepEqual(decodeTx(encodeTx(tx)), plain(tx))));
    fc.assert(fc.property(arbHeader, (h) => assert.deepEqual(decodeHeader(encodeHeader(h)), plain(h))));
    fc.assert(
      fc.property(arbUpdate, (u) => assert.deepEqual(decodeModelUpdate(encodeModelUpdate(u)), plain(u))),
    );
    fc.assert(
      fc.property(arbBlock, (b) => assert.deepEqual(decodeBlock(encodeBlock(b)), plain(b))),
      { numRuns: 200 },
    );
    fc.assert(fc.property(arbCoin, (c) => assert.deepEqual(decodeCoin(encodeCoin(c)), plain(c))));
    fc.assert(
      fc.property(fc.array(arbCoin, { maxLength: 8 }), (spent) =>
        assert.deepEqual(decodeUndo(encodeUndo({ spent })), plain({ spent })),
      ),
    );
  });

  it('header encoding is exactly 116 bytes', () => {
    fc.assert(fc.property(arbHeader, (h) => assert.equal(encodeHeader(h).length, HEADER_SIZE)));
  });

  it('decoders throw only DecodeError on random bytes', () => {
    const decoders = [decodeTx, decodeHeader, decodeModelUpdate, decodeBlock, decodeCoin, decodeUndo];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        for (const d of decoders) onlyDecodeErrors(() => d(b));
      }),
      { numRuns: 2000 },
    );
  });

  it('decoders throw only DecodeError on mutated valid encodings', () => {
    fc.assert(
      fc.property(
        arbBlock,
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.nat({ max: 16 }),
        (b, pos, byte, cut) => {
          const enc = encodeBlock(b);
          const m = enc.slice();
          m[pos % m.length] = byte;
          onlyDecodeErrors(() => decodeBlock(m));
          onlyDecodeErrors(() => decodeBlock(enc.subarray(0, Math.max(0, enc.length - cut - 1))));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('rejects trailing bytes', () => {
    fc.assert(
      fc.property(arbTx, fc.uint8Array({ minLength: 1, maxLength: 8 }), (tx, extra) => {
        const enc = encodeTx(tx);
        const withExtra = new Uint8Array(enc.length + extra.length);
        withExtra.set(enc);
        withExtra.set(extra, enc.length);
        assert.throws(
          () => decodeTx(withExtra),
          (e: unknown) => e instanceof DecodeError && e.code === 'DECODE_TRAILING_BYTES',
        );
      }),
    );
  });

  it('rejects non-canonical varints', () => {
    for (const enc of [
      [0xfd, 0x10, 0x00],
      [0xfe, 0xff, 0x00, 0x00, 0x00],
      [0xff, 1, 0, 0, 0, 0, 0, 0, 0],
    ]) {
      assert.throws(
        () => new Reader(Uint8Array.from(enc)).varint('x', 1e9),
        (e: unknown) => e instanceof DecodeError && e.code === 'DECODE_NONCANONICAL_VARINT',
      );
    }
    assert.equal(new Reader(Uint8Array.from([0xfd, 0xfd, 0x00])).varint('x', 1e9), 0xfd);
  });

  it('rejects oversize counts before allocating', () => {
    // version, then an input count of 2^32-1
    const w = new Writer().u32(1).u8(0xfe).u32(0xffffffff);
    assert.throws(
      () => decodeTx(w.finish()),
      (e: unknown) => e instanceof DecodeError && e.code === 'DECODE_OVERSIZE',
    );
    const big = new Writer()
      .u32(1)
      .u8(0xff)
      .u64(1n << 40n)
      .finish();
    assert.throws(
      () => decodeTx(big),
      (e: unknown) => e instanceof DecodeError && e.code === 'DECODE_OVERSIZE',
    );
  });

  it('rejects a block update flag other than 0 or 1', () => {
    const b: Block = {
      header: {
        version: 1,
        prevHash: new Uint8Array(32),
        merkleRoot: new Uint8Array(32),
        modelHash: new Uint8Array(32),
        time: 1,
        bits: 1,
        nonce: 0n,
      },
      txs: [],
      update: null,
    };
    const enc = encodeBlock(b);
    enc[enc.length - 1] = 2;
    assert.throws(
      () => decodeBlock(enc),
      (e: unknown) => e instanceof DecodeError && e.code === 'DECODE_INVALID_VALUE',
    );
  });

  it('blockWithIds hashes every id from the block encoding it keeps: the ids of each part hashed alone', () => {
    fc.assert(
      fc.property(arbBlock, (block) => {
        const b = blockWithIds(block);
        assert.deepEqual(b.bytes, encodeBlock(block));
        assert.equal(b.size, b.bytes.length);
        assert.deepEqual(b.hash, headerHash(block.header));
        assert.deepEqual(
          b.txs.map((t) => ({ txid: t.txid, wtxid: t.wtxid, size: t.size })),
          block.txs.map((tx) => {
            const w = withId(tx);
            return { txid: w.txid, wtxid: w.wtxid, size: w.size };
          }),
        );
        assert.deepEqual(b.updateId, block.update ? modelUpdateId(block.update) : null);
        assert.equal(b.updateSize, block.update ? encodeModelUpdate(block.update).length : 0);
      }),
      { numRuns: 200 },
    );
  });

  it('a writer sized exactly hands over its buffer, which later writes leave untouched', () => {
    const w = new Writer(4).u32(0x01020304);
    const out = w.finish();
    w.u32(0xffffffff).u8(7);
    assert.deepEqual(out, Uint8Array.of(4, 3, 2, 1));
    assert.deepEqual(w.finish(), Uint8Array.of(4, 3, 2, 1, 0xff, 0xff, 0xff, 0xff, 7));
  });

  it('txid excludes signatures; wtxid includes them', () => {
    fc.assert(
      fc.property(
        arbTx.filter((t) => t.inputs.length > 0),
        bytes(64),
        (tx, sig) => {
          const other: Transaction = { ...tx, witnesses: tx.witnesses.map((w) => ({ ...w, sig })) };
          assert.deepEqual(txid(other), txid(tx));
          if (!tx.witnesses.every((w) => Buffer.from(w.sig).equals(Buffer.from(sig)))) {
            assert.notDeepEqual(wtxid(other), wtxid(tx));
          }
        },
      ),
    );
  });
});
