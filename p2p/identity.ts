/**
 * Persistent peer identity: an Ed25519 private key, protobuf-marshalled by @libp2p/crypto, in a
 * file readable by its owner only (mode 0600). Created on first use (written to a temporary file
 * and renamed, so a crash never leaves half a key); loaded as is afterwards.
 */
import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys';
import type { PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { P2pError } from './errors.js';

export const PEER_KEY_FILE_MODE = 0o600;

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null || !('code' in err)) return undefined;
  const c = (err as { code: unknown }).code;
  return typeof c === 'string' ? c : undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Loads the peer key stored in `file`, or creates, stores and returns a new Ed25519 key. */
export async function loadOrCreatePeerKey(file: string): Promise<PrivateKey> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = new Uint8Array(await readFile(file));
  } catch (err) {
    if (errorCode(err) !== 'ENOENT') {
      throw new P2pError({ code: 'P2P_KEY_FILE', path: file, detail: message(err) });
    }
  }
  if (bytes) {
    let key: PrivateKey;
    try {
      key = privateKeyFromProtobuf(bytes);
    } catch (err) {
      throw new P2pError({ code: 'P2P_KEY_FILE', path: file, detail: `not a private key: ${message(err)}` });
    }
    try {
      const st = await stat(file);
      if ((st.mode & 0o077) !== 0) await chmod(file, PEER_KEY_FILE_MODE);
    } catch (err) {
      throw new P2pError({ code: 'P2P_KEY_FILE', path: file, detail: message(err) });
    }
    return key;
  }
  const key = await generateKeyPair('Ed25519');
  const tmp = `${file}.tmp-${peerIdFromPrivateKey(key).toString().slice(-8)}`;
  try {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(tmp, privateKeyToProtobuf(key), { mode: PEER_KEY_FILE_MODE, flag: 'wx' });
    await rename(tmp, file);
  } catch (err) {
    throw new P2pError({ code: 'P2P_KEY_FILE', path: file, detail: message(err) });
  }
  return key;
}
