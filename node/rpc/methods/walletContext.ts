/** What the wallet namespace needs from the node (node/createNode.ts provides it). */
import type { NetworkParams, TxWithId } from '../../../consensus/index.js';
import type { Wallet } from '../../../wallet/index.js';
import type { Chain } from '../../chain/index.js';
import type { Mempool } from '../../mempool/index.js';
import type { WalletService } from '../../wallet/index.js';
import { RPC_WALLET_NOT_FOUND, rpcError } from '../errors.js';

export interface RpcWalletContext {
  readonly params: NetworkParams;
  /** The node's wallet service; null when the node was built without one. */
  readonly walletService: WalletService | null;
  /** Block times for transaction views; coins spent by a raw transaction to sign. */
  readonly chain: Pick<Chain<unknown>, 'getEntry' | 'getCoin'>;
  /** Mempool reads (trust of unconfirmed transactions, arrival times); payments go through the service. */
  readonly mempool: Pick<Mempool, 'get' | 'has'>;
  /** Announces a payment the local mempool accepted to the network (p2p), when the node can. */
  readonly broadcast?: (tx: TxWithId) => void;
}

/** The wallet service, or RPC_WALLET_NOT_FOUND when the node has none. */
export function walletServiceOf(ctx: RpcWalletContext): WalletService {
  if (!ctx.walletService) {
    throw rpcError(RPC_WALLET_NOT_FOUND, 'No wallet support in this node (no wallet service configured).');
  }
  return ctx.walletService;
}

/** The loaded wallet (WalletServiceError WALLET_NOT_LOADED otherwise, mapped by walletCall). */
export function walletOf(ctx: RpcWalletContext): Wallet {
  return walletServiceOf(ctx).requireWallet();
}
