/**
 * Brings a wallet to the chain's best tip: undoes the wallet's blocks that are no longer on the
 * best chain (tip first), then applies the best chain's blocks above the wallet's tip in order.
 * Run it at startup before subscribing the wallet to chain events, with the chain quiet (e.g.
 * under the chain's lock); if the chain moves meanwhile, `applyBlock` throws
 * BLOCK_NOT_CONNECTING and the call can simply be repeated.
 */
import { type BlockWithIds, blockWithIds, fromHex, toHex } from '../consensus/index.js';
import type { ChainClient } from './chainClient.js';
import { WalletError } from './errors.js';
import type { ChainTip } from './types.js';

/** The part of a wallet `syncWallet` drives. */
export interface ChainFollower {
  readonly tip: ChainTip | null;
  applyBlock(block: BlockWithIds, height: number): unknown;
  undoBlock(block: BlockWithIds, height: number): unknown;
}

export interface SyncResult {
  readonly disconnected: number;
  readonly connected: number;
}

export async function syncWallet(wallet: ChainFollower, chain: ChainClient): Promise<SyncResult> {
  let disconnected = 0;
  let connected = 0;
  for (let tip = wallet.tip; tip; tip = wallet.tip) {
    const best = chain.getBlockHash(tip.height);
    if (best && toHex(best) === tip.hash) break;
    const block = await chain.getBlock(fromHex(tip.hash));
    if (!block)
      throw new WalletError({
        code: 'CHAIN_BLOCK_MISSING',
        what: `block ${tip.hash} (wallet tip ${tip.height})`,
      });
    wallet.undoBlock(blockWithIds(block), tip.height);
    disconnected++;
  }
  for (let h = (wallet.tip?.height ?? -1) + 1; h <= chain.tipHeight(); h++) {
    const hash = chain.getBlockHash(h);
    const block = hash ? await chain.getBlock(hash) : undefined;
    if (!block) throw new WalletError({ code: 'CHAIN_BLOCK_MISSING', what: `block at height ${h}` });
    wallet.applyBlock(blockWithIds(block), h);
    connected++;
  }
  return { disconnected, connected };
}
