import {
  type BlockWithIds,
  blockWeight,
  initialLevelState,
  type NetworkParams,
  workFromBits,
} from '../../consensus/index.js';
import type { ChainEntry } from '../db/index.js';

/** Index entry of the genesis block: connected, nothing issued, weight = its work. */
/** The genesis entry; `levelDomains` is the evaluator's number of leveled domains (all start at 0). */
export function genesisEntry(genesis: BlockWithIds, params: NetworkParams, levelDomains: number): ChainEntry {
  const header = genesis.block.header;
  const work = workFromBits(header.bits);
  return {
    hash: genesis.hash,
    prevHash: header.prevHash,
    height: 0,
    time: header.time,
    bits: header.bits,
    modelHash: header.modelHash,
    work,
    weight: blockWeight(work, 0, params),
    improvementPpm: 0,
    issuedAfter: 0n,
    seq: 0,
    status: 'valid-connected',
    size: genesis.size,
    invalidReason: null,
    levels: initialLevelState(levelDomains),
    gainPpm: [],
    owed: [],
    grew: false,
  };
}
