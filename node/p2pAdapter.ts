/** Implements p2p's narrow interfaces (P2pChain, P2pMempool) over the node's chain, DB and mempool. */
import { type Block, type BlockHeader, equalBytes, type Hash, type Transaction } from '../consensus/index.js';
import type { BlockPlace, P2pChain, P2pMempool, TipSummary } from '../p2p/index.js';
import type { Chain } from './chain/index.js';
import type { ChainDb } from './db/index.js';
import type { Mempool } from './mempool/index.js';

export function p2pChain(chain: Chain<unknown>, db: ChainDb): P2pChain {
  return {
    params: chain.params,
    tipSummary(): TipSummary {
      const t = chain.tip;
      return { hash: t.hash, height: t.height, weight: t.weight };
    },
    blockPlace(hash: Hash): BlockPlace | undefined {
      const e = chain.getEntry(hash);
      const fork = chain.forkPoint(hash);
      return (
        e &&
        fork && {
          height: e.height,
          weight: e.weight,
          forkHeight: fork.height,
          invalid: e.status === 'invalid',
        }
      );
    },
    getLocator: () => chain.getLocator(),
    async getHeadersAfter(locator: readonly Hash[], max: number): Promise<BlockHeader[]> {
      let start = 0;
      for (const h of locator) {
        const e = chain.getEntry(h);
        if (e && chain.isOnBestChain(h)) {
          start = e.height;
          break;
        }
      }
      const hashes: Hash[] = [];
      const tip = chain.tip.height;
      for (let height = start + 1; height <= tip && hashes.length < max; height++) {
        const e = chain.getEntryByHeight(height);
        if (!e) break;
        hashes.push(e.hash);
      }
      // one read of all of them, decoding only each block's header
      const out: BlockHeader[] = [];
      for (const h of await db.getHeaders(hashes)) {
        if (!h) break;
        out.push(h);
      }
      return out;
    },
    getBlockBytes: (hash) => db.getBlockBytes(hash),
    hasBlock(hash: Hash): boolean {
      return chain.getEntry(hash) !== undefined || equalBytes(hash, chain.tip.hash);
    },
    async processBlock(block: Block, source: string) {
      return chain.processBlock(block, source);
    },
    async processBlocks(blocks: readonly Block[], source: string) {
      return (await chain.processBlocks(blocks, source)).map((r) => r.status);
    },
    relayBeforeValidation: (block) => chain.relayBeforeValidation(block),
    getModelBytes: (modelHash) => db.getModel(modelHash),
  };
}

export function p2pMempool(mempool: Mempool): P2pMempool {
  return {
    accept: (tx: Transaction) => mempool.accept(tx),
    has: (txid: Hash) => mempool.has(txid),
  };
}
