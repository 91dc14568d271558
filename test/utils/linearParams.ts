/**
 * Network parameters for fast tests that use the toy `linearEvaluator` instead of the network
 * model: a frozen copy of `base` whose genesis commits to the linear model's hash, with a nonce
 * re-mined at import time (instant under devnet's proof-of-work limit) and the matching hash.
 */
import { checkProofOfWork, genesisBlock, type NetworkParams, toHex } from '../../consensus/index.js';
import { linearEvaluator } from '../../training/index.js';

const LINEAR_MODEL_HASH = linearEvaluator.modelHash(linearEvaluator.initialModel());
const cache = new Map<NetworkParams, NetworkParams>();

export function linearParams(base: NetworkParams): NetworkParams {
  const hit = cache.get(base);
  if (hit) return hit;
  for (let nonce = 0n; ; nonce++) {
    const genesis = { ...base.genesis, modelHash: LINEAR_MODEL_HASH, nonce };
    const g = genesisBlock({ ...base, genesis });
    try {
      checkProofOfWork(g.hash, genesis.bits, base.powLimitBits);
    } catch {
      continue; // try the next nonce
    }
    const p: NetworkParams = Object.freeze({
      ...base,
      genesis: Object.freeze({ ...genesis, hash: toHex(g.hash) }),
    });
    cache.set(base, p);
    return p;
  }
}
