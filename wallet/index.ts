export { decodeAddress, encodeAddress, isValidAddress } from './address.js';
export { WalletError, type WalletErrorType } from './errors.js';
