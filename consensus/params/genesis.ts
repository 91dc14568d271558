/**
 * Genesis blocks. The genesis block is built from its spec; its nonce was found once by
 * `scripts/genesis.ts` and is a constant in the network's params (a test re-mines nothing, it
 * re-verifies the proof of work and the hash). Like Bitcoin's, the genesis coinbase is not
 * spendable: its single output pays 0 to the genesis address and the node never adds it to the UTXO
 * set, so issuance starts at height 1.
 */
import { type Block, type BlockWithIds, blockWithIds } from '../primitives/block.js';
import { ZERO_HASH } from '../primitives/hash.js';
import type { BlockHeader } from '../primitives/header.js';
import { blockMerkleRoot } from '../primitives/merkle.js';
import { type Transaction, TX_VERSION, wtxid } from '../primitives/tx.js';
import type { GenesisSpec, NetworkParams } from './types.js';

export function genesisCoinbase(params: Pick<NetworkParams, 'genesisPubKeyHash'>): Transaction {
  return {
    version: TX_VERSION,
    inputs: [],
    outputs: [{ value: 0n, pubKeyHash: params.genesisPubKeyHash }],
    lockTime: 0,
    witnesses: [],
  };
}

export function genesisHeader(
  spec: Omit<GenesisSpec, 'hash'>,
  params: Pick<NetworkParams, 'genesisPubKeyHash'>,
): BlockHeader {
  const cb = genesisCoinbase(params);
  return {
    version: spec.version,
    prevHash: ZERO_HASH,
    merkleRoot: blockMerkleRoot([wtxid(cb)], null),
    modelHash: spec.modelHash,
    time: spec.time,
    bits: spec.bits,
    nonce: spec.nonce,
  };
}

export function genesisBlock(params: NetworkParams): BlockWithIds {
  const block: Block = {
    header: genesisHeader(params.genesis, params),
    txs: [genesisCoinbase(params)],
    update: null,
  };
  return blockWithIds(block);
}
