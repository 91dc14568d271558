import { strict as assert } from 'node:assert';
import { DecodeError, MAX_CONTRIBUTION_DELTA_SIZE, MAX_TX_SIZE, NETWORKS } from '../../../consensus/index.js';
import { PROTOCOL_PENALTIES, resolveP2pOptions } from '../../../p2p/index.js';
import { gossipPayloadLimits, inboundStreamCap, maxSignedDeltaSize } from '../../../p2p/limits.js';
import {
  decodeSignedDelta,
  encodeSignedDelta,
  MAX_SIGNED_DELTA_BYTES,
  type SignedDelta,
} from '../../../training/index.js';

/** A signed delta of `deltaBytes` (envelope fields at their fixed sizes; content irrelevant here). */
function signedDelta(deltaBytes: number): SignedDelta {
  return {
    baseModelHash: new Uint8Array(32).fill(1),
    contributor: new Uint8Array(20).fill(2),
    pubkey: new Uint8Array(32).fill(3),
    samples: 1,
    delta: new Uint8Array(deltaBytes).fill(4),
    sig: new Uint8Array(64).fill(5),
  };
}

describe('p2p limits', () => {
  it('the delta topic admits exactly the largest signed delta training encodes, on every network', () => {
    for (const params of Object.values(NETWORKS)) {
      const limit = maxSignedDeltaSize(params);
      assert.equal(limit, 1 + 32 + 120 + 5 + MAX_CONTRIBUTION_DELTA_SIZE);
      assert.equal(limit, 131_230);
      assert.equal(limit, MAX_SIGNED_DELTA_BYTES);
      const largest = encodeSignedDelta(
        signedDelta(Math.min(params.maxModelUpdateSize, MAX_CONTRIBUTION_DELTA_SIZE)),
      );
      assert.equal(largest.length, limit);
      decodeSignedDelta(largest);
      const over = encodeSignedDelta(signedDelta(MAX_CONTRIBUTION_DELTA_SIZE + 1));
      assert.throws(() => decodeSignedDelta(over), DecodeError, 'one delta byte more cannot be valid');
      assert.equal(gossipPayloadLimits(params).deltas, limit);
    }
  });

  it('blocks and transactions are bounded by the consensus size rules', () => {
    for (const params of Object.values(NETWORKS)) {
      const l = gossipPayloadLimits(params);
      assert.equal(l.blocks, params.maxBlockSize);
      assert.equal(l.txs, Math.min(MAX_TX_SIZE, params.maxBlockSize));
    }
  });

  it("libp2p's stream cap leaves room for a ban's worth of charged excess streams", () => {
    const o = resolveP2pOptions();
    const cap = inboundStreamCap(o);
    assert.equal(cap, o.maxInboundStreams + 10);
    assert.ok((cap - o.maxInboundStreams) * PROTOCOL_PENALTIES['stream-flood'] >= o.banThreshold);
    const strict = resolveP2pOptions({ banThreshold: 35, maxInboundStreams: 2 });
    assert.equal(inboundStreamCap(strict), 2 + 4);
  });
});
