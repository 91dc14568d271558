/** Which public-key hash a node's training deltas credit. */
import type { NetworkParams } from '../../consensus/index.js';
import { decodeAddress, isValidAddress } from '../../wallet/index.js';
import type { NodeOptions } from '../config/index.js';
import { NodeTrainingError } from './errors.js';

/**
 * The address credited for this node's deltas (training.payoutAddress, else mining.address),
 * decoded; a bad payout address fails node construction.
 */
export function payoutPubKeyHash(
  opts: Pick<NodeOptions, 'training' | 'mining'>,
  params: NetworkParams,
): Uint8Array | undefined {
  const address = opts.training.payoutAddress;
  if (address === undefined) {
    // the miner reports a bad mining address itself
    const mining = opts.mining.address;
    return mining !== undefined && isValidAddress(mining, params) ? decodeAddress(mining, params) : undefined;
  }
  try {
    return decodeAddress(address, params);
  } catch (e) {
    throw new NodeTrainingError({
      code: 'TRAINING_BAD_PAYOUT',
      address,
      reason: e instanceof Error ? e.message : String(e),
    });
  }
}
