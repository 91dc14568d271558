/** Real signed model deltas for node tests: a short local training run from a node's tip model. */
import type { QenexNode } from '../../node/createNode.js';
import {
  DEFAULT_DELTA_DENSITY,
  encodeDelta,
  encodeSignedDelta,
  LocalTrainer,
  type NetworkModel,
  type ShardSpec,
  signDelta,
} from '../../training/index.js';

/**
 * Trains `samples` samples on `shard` from `node`'s tip model and returns the encoded SignedDelta
 * against it (compressed, as a node's trainer sends it), signed with `secretKey` (crediting its
 * own address).
 */
export function trainedSignedDelta(
  node: QenexNode,
  opts: { shard: ShardSpec; seed: string; samples: number; secretKey: Uint8Array },
): Uint8Array {
  const base = node.chain.getTipModel() as NetworkModel;
  const t = new LocalTrainer({ shard: opts.shard, seed: opts.seed, deltaDensity: DEFAULT_DELTA_DENSITY });
  t.setBase(base);
  t.train(opts.samples);
  const delta = encodeDelta(t.delta());
  return encodeSignedDelta(
    signDelta({ baseModelHash: node.chain.tip.modelHash, samples: opts.samples, delta }, opts.secretKey),
  );
}
