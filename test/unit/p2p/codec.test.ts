import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DecodeError, devnetParams, genesisBlock } from '../../../consensus/index.js';
import {
  decodeBlocksRequest,
  decodeBlocksResponseHead,
  decodeHeadersRequest,
  decodeHeadersResponse,
  decodeModelRequest,
  decodeModelResponse,
  decodeStatus,
  decodeStatusResponse,
  encodeBlocksRequest,
  encodeBlocksResponseHead,
  encodeErrorResponse,
  encodeHeadersRequest,
  encodeHeadersResponse,
  encodeModelRequest,
  encodeModelResponse,
  encodeStatus,
  encodeStatusResponse,
  MAX_BLOCKS_PER_REQUEST,
  MAX_HEADERS,
  MAX_LOCATOR,
  type PeerStatus,
} from '../../../p2p/codec.js';
import { P2pError } from '../../../p2p/index.js';

const h = (n: number) => new Uint8Array(32).fill(n);
const status = (weight: bigint): PeerStatus => ({
  version: 1,
  magic: 0x51584e44,
  genesis: h(1),
  bestHash: h(2),
  bestHeight: 12345,
  weight,
});

function isDecodeError(code: string) {
  return (e: unknown) => e instanceof DecodeError && e.code === code;
}

describe('p2p codec', () => {
  it('status round-trips for any weight up to 512 bits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 512n) - 1n }), fc.nat(0xffffffff), (weight, height) => {
        const s = { ...status(weight), bestHeight: height };
        assert.deepEqual(decodeStatus(encodeStatus(s)), s);
        assert.deepEqual(decodeStatusResponse(encodeStatusResponse(s)), { status: 'ok', body: s });
      }),
    );
    assert.throws(() => encodeStatus(status(1n << 512n)), P2pError);
    assert.throws(() => encodeStatus(status(-1n)), P2pError);
  });

  it('status decoding is strict', () => {
    const bytes = encodeStatus(status(258n));
    assert.throws(() => decodeStatus(bytes.subarray(0, bytes.length - 1)), isDecodeError('DECODE_TRUNCATED'));
    assert.throws(() => decodeStatus(Uint8Array.of(...bytes, 0)), isDecodeError('DECODE_TRAILING_BYTES'));
    // weight 258 = 0x0102; a leading zero byte (0x000102) is not canonical
    const w = bytes.length - 3;
    assert.deepEqual([...bytes.subarray(w)], [2, 1, 2]);
    const padded = Uint8Array.of(...bytes.subarray(0, w), 3, 0, 1, 2);
    assert.throws(() => decodeStatus(padded), isDecodeError('DECODE_INVALID_VALUE'));
    const zero = encodeStatus(status(0n));
    assert.equal(zero[zero.length - 1], 0);
  });

  it('headers request/response round-trip and bounds', () => {
    const req = { locator: [h(1), h(2), h(3)], max: 500 };
    assert.deepEqual(decodeHeadersRequest(encodeHeadersRequest(req)), req);
    assert.throws(() => encodeHeadersRequest({ locator: [], max: 1 }), P2pError);
    assert.throws(() => encodeHeadersRequest({ locator: [h(1)], max: MAX_HEADERS + 1 }), P2pError);
    const tooMany = Uint8Array.of(MAX_LOCATOR + 1, ...new Uint8Array((MAX_LOCATOR + 1) * 32), 1, 0, 0, 0);
    assert.throws(() => decodeHeadersRequest(tooMany), isDecodeError('DECODE_OVERSIZE'));
    const zeroMax = Uint8Array.of(1, ...h(1), 0, 0, 0, 0);
    assert.throws(() => decodeHeadersRequest(zeroMax), isDecodeError('DECODE_INVALID_VALUE'));
    const empty = Uint8Array.of(0, 1, 0, 0, 0);
    assert.throws(() => decodeHeadersRequest(empty), isDecodeError('DECODE_INVALID_VALUE'));

    const header = genesisBlock(devnetParams).block.header;
    const resp = encodeHeadersResponse([header, header]);
    assert.deepEqual(decodeHeadersResponse(resp, 2), { status: 'ok', body: [header, header] });
    assert.throws(() => decodeHeadersResponse(resp, 1), isDecodeError('DECODE_OVERSIZE'));
    assert.deepEqual(decodeHeadersResponse(encodeErrorResponse('rate-limited'), 2), {
      status: 'rate-limited',
    });
    assert.throws(() => decodeHeadersResponse(Uint8Array.of(9), 2), isDecodeError('DECODE_INVALID_VALUE'));
    assert.throws(
      () => decodeHeadersResponse(Uint8Array.of(2, 0), 2),
      isDecodeError('DECODE_TRAILING_BYTES'),
    );
  });

  it('blocks and model messages', () => {
    const hashes = [h(4), h(5)];
    assert.deepEqual(decodeBlocksRequest(encodeBlocksRequest(hashes)), hashes);
    assert.throws(() => encodeBlocksRequest(new Array(MAX_BLOCKS_PER_REQUEST + 1).fill(h(1))), P2pError);
    assert.throws(() => decodeBlocksRequest(Uint8Array.of(0)), isDecodeError('DECODE_INVALID_VALUE'));
    assert.throws(() => decodeBlocksRequest(Uint8Array.of(2, ...h(1))), isDecodeError('DECODE_TRUNCATED'));
    assert.deepEqual(decodeBlocksResponseHead(encodeBlocksResponseHead(7), 7), { status: 'ok', body: 7 });
    assert.throws(
      () => decodeBlocksResponseHead(encodeBlocksResponseHead(8), 7),
      isDecodeError('DECODE_OVERSIZE'),
    );
    assert.deepEqual(decodeModelRequest(encodeModelRequest(h(6))), h(6));
    assert.throws(() => decodeModelRequest(new Uint8Array(33)), isDecodeError('DECODE_TRAILING_BYTES'));
    assert.deepEqual(decodeModelResponse(encodeModelResponse(Uint8Array.of(1, 2, 3))), {
      status: 'ok',
      body: Uint8Array.of(1, 2, 3),
    });
    assert.deepEqual(decodeModelResponse(encodeErrorResponse('not-found')), { status: 'not-found' });
  });

  it('decoders throw only DecodeError on random bytes', () => {
    const decoders = [
      decodeStatus,
      (b: Uint8Array) => decodeStatusResponse(b),
      decodeHeadersRequest,
      (b: Uint8Array) => decodeHeadersResponse(b, 10),
      decodeBlocksRequest,
      (b: Uint8Array) => decodeBlocksResponseHead(b, 10),
      decodeModelRequest,
      decodeModelResponse,
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        for (const d of decoders) {
          try {
            d(bytes);
          } catch (e) {
            assert.ok(e instanceof DecodeError, String(e));
          }
        }
      }),
    );
  });
});
