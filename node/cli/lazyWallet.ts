/**
 * `qenex wallet ...` handlers that load wallet.ts (the wallet library, its crypto and the RPC
 * amount codecs) only when a wallet command runs, so that other commands start without them.
 */
import type { WalletCliDeps, WalletCliHandlers } from './wallet.js';

export function lazyWalletHandlers(deps: WalletCliDeps): WalletCliHandlers {
  let loaded: WalletCliHandlers | undefined;
  const load = async (): Promise<WalletCliHandlers> => {
    loaded ??= (await import('./wallet.js')).walletHandlers(deps);
    return loaded;
  };
  return {
    create: async (opts, flags) => (await load()).create(opts, flags),
    import: async (opts, flags) => (await load()).import(opts, flags),
    address: async (opts, flags) => (await load()).address(opts, flags),
    balance: async (opts, flags) => (await load()).balance(opts, flags),
    send: async (opts, address, amount, flags) => (await load()).send(opts, address, amount, flags),
    history: async (opts, flags) => (await load()).history(opts, flags),
    exportXpub: async (opts) => (await load()).exportXpub(opts),
  };
}
