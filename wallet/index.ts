/** Public API of the wallet. The node imports the wallet only through this file. */
export { decodeAddress, encodeAddress, isValidAddress } from './address.js';
export type { SignedInputs } from './builder.js';
export type { ChainClient, FeeRateEstimator } from './chainClient.js';
export { formatUnits, WalletError, type WalletErrorCode, type WalletErrorType } from './errors.js';
export {
  AccountKeys,
  accountPath,
  CHANGE,
  COIN_TYPE_MAIN,
  COIN_TYPE_TEST,
  checkMnemonic,
  coinType,
  type DerivedKey,
  generateMnemonic,
  isValidMnemonic,
  type KeyChain,
  keyPath,
  type MnemonicLength,
  mnemonicToSeed,
  RECEIVE,
} from './hd/index.js';
export {
  changeKeystorePassphrase,
  KEYSTORE_FILE_MODE,
  KEYSTORE_VERSION,
  type KeystoreFile,
  parseKeystore,
  readKeystoreFile,
  writeFileAtomic,
} from './keystore/index.js';
export {
  DEFAULT_GAP_LIMIT,
  DEFAULT_MIN_FEE_RATE,
  type ResolvedWalletOptions,
  resolveWalletOptions,
  type WalletOptions,
} from './options.js';
export {
  branchAndBound,
  feeFor,
  INPUT_SIZE,
  largestFirst,
  type SelectionAlgorithm,
  type SelectionStrategy,
  selectCoins,
  txSizeFor,
} from './selection/index.js';
export { STATE_VERSION } from './state.js';
export { type ChainFollower, type SyncResult, syncWallet } from './sync.js';
export type {
  AddressInfo,
  Balance,
  BuiltInput,
  BuiltOutput,
  BuiltTransaction,
  ChainTip,
  CreateWalletOptions,
  ListUnspentOptions,
  OpenWalletOptions,
  SendOutput,
  SendRequest,
  TxCategory,
  WalletCoin,
  WalletDeps,
  WalletTransaction,
  WalletTxInput,
  WalletTxOutput,
} from './types.js';
export { Wallet } from './wallet.js';
