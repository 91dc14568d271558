export {
  type AtomicWriteOptions,
  changeKeystorePassphrase,
  createKeystoreFile,
  KEYSTORE_FILE_MODE,
  type KeystoreWriteOptions,
  openKeystoreFile,
  readKeystoreFile,
  writeFileAtomic,
} from './file.js';
export {
  checkPassphrase,
  decryptKeystore,
  encryptKeystore,
  KEYSTORE_KIND,
  KEYSTORE_VERSION,
  type KeystoreFile,
  type KeystoreMeta,
  type KeystoreSecret,
  parseKeystore,
  SCRYPT_P,
  SCRYPT_R,
  serializeKeystore,
} from './format.js';
