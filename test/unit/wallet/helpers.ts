/** Shared fixtures for the wallet tests: wallets on devnet following a TestChain. */
import { strict as assert } from 'node:assert';
import { devnetParams, fromHex } from '../../../consensus/index.js';
import { decodeAddress, type Wallet, WalletError } from '../../../wallet/index.js';
import { type KeyPair, TestChain } from '../../utils/chainBuilder.js';
import { linearParams } from '../../utils/linearParams.js';

/** Devnet with a genesis committing to the linear test model (test/utils/linearParams.ts). */
const linearDevnet = linearParams(devnetParams);
export const params = linearDevnet;
export const COIN = 100_000_000n;
/** Miner side of a 50 QXC coinbase (80%). */
export const MINER_SHARE = 40n * COIN;

export const MNEMONIC_A =
  'legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title';
export const MNEMONIC_B = 'letter advice cage absurd amount doctor acoustic avoid letter advice cage above';

/** A TestChain "miner" whose coinbase pays `address` (only the pubkey hash is used). */
export function payTo(address: string): KeyPair {
  return { sk: new Uint8Array(32), pk: new Uint8Array(32), pkh: decodeAddress(address, params) };
}

/** Applies every block of `chain` above the wallet's tip. */
export function feed(chain: TestChain, ...wallets: Wallet[]): void {
  for (const w of wallets) {
    for (let h = (w.tip?.height ?? -1) + 1; h <= chain.height; h++) w.applyBlock(chain.entries[h]!.block, h);
  }
}

export async function mineBlocks(chain: TestChain, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await chain.mine();
}

export function walletCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof WalletError) return e.code;
    throw e;
  }
  assert.fail('expected a WalletError');
}

export async function walletCodeAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof WalletError) return e.code;
    throw e;
  }
  assert.fail('expected a WalletError');
}

export { fromHex, TestChain };
