import type { NetworkParams, Transaction } from '../consensus/index.js';
import type { FeeRateEstimator } from './chainClient.js';
import type { KeyChain, MnemonicLength } from './hd/index.js';
import type { WalletOptions } from './options.js';
import type { SelectionAlgorithm, SelectionStrategy } from './selection/index.js';

/** The last block the wallet has processed. */
export interface ChainTip {
  readonly height: number;
  /** Block hash, hex. */
  readonly hash: string;
}

/** An output the wallet owns and has not spent. */
export interface WalletCoin {
  readonly txid: string;
  readonly index: number;
  readonly value: bigint;
  readonly address: string;
  readonly chain: KeyChain;
  readonly keyIndex: number;
  /** BIP32 path of the key that can spend it. */
  readonly path: string;
  /** Height of the block that created it; null while unconfirmed. */
  readonly height: number | null;
  /** tip − height + 1; 0 while unconfirmed. */
  readonly confirmations: number;
  readonly coinbase: boolean;
  /** Spendable in the next block as far as coinbase maturity goes (always true for non-coinbase). */
  readonly mature: boolean;
  /** Reserved by a `send` whose transaction has not reached `addMempoolTx` yet. */
  readonly locked: boolean;
  readonly label?: string;
}

/** Unspent wallet coins split three ways (their sum is everything the wallet owns). */
export interface Balance {
  /** Mature coins with at least minConf confirmations. */
  readonly confirmed: bigint;
  /** Mature coins with fewer confirmations (including unconfirmed ones, 0). */
  readonly unconfirmed: bigint;
  /** Coinbase outputs not yet spendable (coinbase at height h: spendable once tip >= h + maturity − 1). */
  readonly immature: bigint;
}

export type TxCategory = 'receive' | 'send' | 'self' | 'generate' | 'immature';

export interface WalletTxOutput {
  readonly index: number;
  readonly address: string;
  readonly value: bigint;
  readonly ours: boolean;
  /** Ours and on the change chain. */
  readonly change: boolean;
}

export interface WalletTxInput {
  readonly txid: string;
  readonly index: number;
  /** Value of the spent output when it was ours; null otherwise. */
  readonly value: bigint | null;
  readonly ours: boolean;
}

/** One history entry: a transaction that pays the wallet or spends its coins. */
export interface WalletTransaction {
  readonly txid: string;
  readonly height: number | null;
  readonly confirmations: number;
  readonly blockHash: string | null;
  /** Position in its block. */
  readonly blockIndex: number | null;
  readonly coinbase: boolean;
  readonly category: TxCategory;
  /** Sum of the outputs paying the wallet (change included). */
  readonly received: bigint;
  /** Sum of the wallet's coins it spends. */
  readonly sent: bigint;
  /** Inputs − outputs when every input is the wallet's; null otherwise (a coinbase: null). */
  readonly fee: bigint | null;
  /** Net effect on the wallet: received − sent. */
  readonly amount: bigint;
  readonly size: number;
  readonly inputs: readonly WalletTxInput[];
  readonly outputs: readonly WalletTxOutput[];
  readonly tx: Transaction;
}

export interface SendOutput {
  readonly address: string;
  /** Base units. */
  readonly amount: bigint;
}

export interface SendRequest {
  readonly outputs: readonly SendOutput[];
  /** Units per 1000 bytes; default: the node's estimate (clamped to the floor) or the fallback. */
  readonly feeRate?: bigint;
  /** Confirmations a coin needs to be spent. Default 1; 0 also spends unconfirmed coins. */
  readonly minConf?: number;
  /** Build and sign but record nothing (no change address used up, no coins reserved). */
  readonly dryRun?: boolean;
  readonly strategy?: SelectionStrategy;
}

export interface BuiltInput {
  readonly txid: string;
  readonly index: number;
  readonly value: bigint;
  readonly address: string;
}

export interface BuiltOutput {
  readonly address: string;
  readonly value: bigint;
  readonly change: boolean;
}

/** A signed transaction ready for the mempool. */
export interface BuiltTransaction {
  readonly tx: Transaction;
  readonly txid: string;
  /** Exact fee: inputs − outputs. */
  readonly fee: bigint;
  /** The fee rate it was built for, units per 1000 bytes (the actual rate is fee·1000/size ≥ this). */
  readonly feeRate: bigint;
  /** Serialized size, bytes (consensus txSize). */
  readonly size: number;
  readonly inputs: readonly BuiltInput[];
  readonly outputs: readonly BuiltOutput[];
  /** Position of the change output in `tx.outputs`, −1 when there is none. */
  readonly changeIndex: number;
  readonly algorithm: SelectionAlgorithm;
}

export interface AddressInfo {
  readonly address: string;
  readonly chain: KeyChain;
  readonly index: number;
  readonly path: string;
  /** 32-byte x-only public key, hex. */
  readonly pubkey: string;
  readonly label?: string;
}

export interface WalletDeps {
  readonly params: NetworkParams;
  /** The node's fee estimate (units/kB); clamped to [minFeeRate, maxFeeRate]. */
  readonly estimateFeeRate?: FeeRateEstimator;
  /** CSPRNG; default node:crypto randomBytes. */
  readonly random?: (n: number) => Uint8Array;
}

export interface CreateWalletOptions extends WalletOptions {
  /** Keystore file to create (fails with KEYSTORE_EXISTS if present). Omit for an in-memory wallet. */
  readonly path?: string;
  /** Keystore passphrase; required with `path`. */
  readonly passphrase?: string;
  /** Restore this mnemonic; default: generate one. */
  readonly mnemonic?: string;
  /** Words of a generated mnemonic: 12 or 24 (default). */
  readonly words?: MnemonicLength;
  /** BIP39 passphrase ("25th word"), default ''. */
  readonly bip39Passphrase?: string;
  /**
   * Block the wallet starts after. For a freshly generated mnemonic pass the chain's tip: nothing
   * before it can pay a new key, so no rescan is needed. Omit to scan from genesis.
   */
  readonly birthday?: ChainTip;
  /** Saved state (in-memory wallets only; `open` takes it for keystore wallets). */
  readonly state?: Uint8Array;
}

export interface OpenWalletOptions extends WalletOptions {
  readonly path: string;
  /** Omit to open locked (watch-only until `unlock`). */
  readonly passphrase?: string;
  /** Bytes from `serializeState()`; omitted: empty state (the node rescans from genesis). */
  readonly state?: Uint8Array;
}

export interface ListUnspentOptions {
  /** Default 1. */
  readonly minConf?: number;
  readonly maxConf?: number;
  /** Include coinbase outputs that are not mature yet. Default false. */
  readonly includeImmature?: boolean;
}
