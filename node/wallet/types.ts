import type { NetworkParams } from '../../consensus/index.js';
import type { Chain } from '../chain/index.js';
import type { Logger } from '../logger.js';
import type { Mempool } from '../mempool/index.js';

/** What the service needs from the chain: catching up (`syncWallet`) and the block events. */
export type WalletServiceChain = Pick<Chain<unknown>, 'tip' | 'getEntryByHeight' | 'getBlock' | 'on' | 'off'>;

/** What the service needs from the mempool: submitting payments, its events, its fee floor. */
export type WalletServiceMempool = Pick<Mempool, 'accept' | 'has' | 'minFeeRate' | 'on' | 'off'>;

export interface WalletServiceDeps {
  readonly chain: WalletServiceChain;
  readonly mempool: WalletServiceMempool;
  readonly params: NetworkParams;
  readonly logger: Logger;
  /** Wall clock, ms (relock deadlines). Default Date.now. */
  readonly now?: () => number;
}

/** Lock state as getwalletinfo reports it. */
export interface UnlockStatus {
  readonly locked: boolean;
  /** Unix ms when the wallet locks itself again; null when locked or unlocked without a time limit. */
  readonly unlockedUntil: number | null;
}
