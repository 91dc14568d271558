/**
 * `qenex wallet ...`. `create` and `import` work offline on `<datadir>/wallet.json` under the
 * datadir lock (so they refuse while a node runs on it); the other commands are JSON-RPC clients
 * of the running node, which holds the wallet.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { NETWORKS } from '../../consensus/index.js';
import { type MnemonicLength, Wallet } from '../../wallet/index.js';
import { acquireLock, ConfigError, type DatadirLock, type NodeOptions } from '../config/index.js';
import { formatAmountString, parseAmountText } from '../rpc/index.js';
import { WALLET_FILE_NAME, WALLET_STATE_FILE_NAME } from '../wallet/index.js';
import { type RpcEndpoint, rpcCall, rpcEndpoint } from './rpcCall.js';
import type { CliIo } from './types.js';
import { readMnemonic, readPassphrase, type SecretInput, WalletCliError } from './walletInput.js';

/** How long `qenex wallet send` unlocks the node's wallet (it locks it again right after). */
export const SEND_UNLOCK_SECONDS = 30;

export interface WalletCreateFlags {
  readonly words?: MnemonicLength;
  /** Absolute path. */
  readonly passphraseFile?: string;
}

export interface WalletImportFlags {
  /** Absolute paths. */
  readonly mnemonicFile?: string;
  readonly passphraseFile?: string;
}

export interface WalletSendFlags {
  /** Base units per byte, as typed. */
  readonly feeRate?: string;
  readonly dryRun?: boolean;
  readonly passphraseFile?: string;
}

export interface WalletHistoryFlags {
  readonly count?: number;
  readonly skip?: number;
  readonly json?: boolean;
}

/** What each `qenex wallet` command does once parsed (program.ts injects these). */
export interface WalletCliHandlers {
  create(opts: NodeOptions, flags: WalletCreateFlags): Promise<void>;
  import(opts: NodeOptions, flags: WalletImportFlags): Promise<void>;
  address(opts: NodeOptions, flags: { readonly label?: string }): Promise<void>;
  balance(opts: NodeOptions, flags: { readonly json?: boolean }): Promise<void>;
  send(opts: NodeOptions, address: string, amount: string, flags: WalletSendFlags): Promise<void>;
  history(opts: NodeOptions, flags: WalletHistoryFlags): Promise<void>;
  exportXpub(opts: NodeOptions): Promise<void>;
}

export interface WalletCliDeps {
  readonly io: CliIo;
  /** Environment (QENEX_WALLET_PASSPHRASE). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly input: SecretInput;
  /** Overrides the endpoint derived from the options (tests). */
  readonly endpoint?: RpcEndpoint;
}

export function walletHandlers(deps: WalletCliDeps): WalletCliHandlers {
  const { io } = deps;
  const ep = (opts: NodeOptions) => deps.endpoint ?? rpcEndpoint(opts);
  const call = (opts: NodeOptions, method: string, params: readonly unknown[]) =>
    rpcCall(ep(opts), method, params);
  return {
    create: (opts, flags) =>
      offline(opts, async (path) => {
        const passphrase = await readPassphrase({
          file: flags.passphraseFile,
          env: deps.env,
          input: deps.input,
          confirm: true,
        });
        const { wallet, mnemonic } = await Wallet.create(
          { path, passphrase, words: flags.words ?? 24 },
          { params: NETWORKS[opts.network] },
        );
        io.out(createdText(opts, path, wallet, mnemonic));
      }),
    import: (opts, flags) =>
      offline(opts, async (path) => {
        const { mnemonic, stdinUsed } = await readMnemonic(flags.mnemonicFile, deps.input);
        const passphrase = await readPassphrase({
          file: flags.passphraseFile,
          env: deps.env,
          input: deps.input,
          confirm: true,
          stdinUsed,
        });
        const { wallet } = await Wallet.create(
          { path, passphrase, mnemonic },
          { params: NETWORKS[opts.network] },
        );
        io.out(
          [
            `Wallet imported: ${path} (network ${opts.network})`,
            `Account xpub: ${wallet.exportXpub()}`,
            'Start the node to use it: it scans the chain from the beginning for the wallet’s coins.',
            '',
          ].join('\n'),
        );
      }),
    address: async (opts, flags) => {
      const r = await call(opts, 'getnewaddress', flags.label !== undefined ? [flags.label] : []);
      io.out(`${String(r)}\n`);
    },
    balance: async (opts, flags) => {
      const r = (await call(opts, 'getbalances', [])) as {
        mine: { trusted: number; untrusted_pending: number; immature: number };
        lastprocessedblock: { height: number };
      };
      if (flags.json) {
        io.out(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      io.out(
        [
          `spendable:  ${qxc(r.mine.trusted)} QXC`,
          `pending:    ${qxc(r.mine.untrusted_pending)} QXC (unconfirmed payments to you)`,
          `immature:   ${qxc(r.mine.immature)} QXC (mined, not spendable yet)`,
          `at height:  ${r.lastprocessedblock.height}`,
          '',
        ].join('\n'),
      );
    },
    send: async (opts, address, amount, flags) => {
      if (parseAmountText(amount.trim()) === undefined) {
        throw new WalletCliError({
          code: 'WALLET_CLI_BAD_FLAG',
          flag: 'AMOUNT',
          reason: `${amount} is not a QXC amount`,
        });
      }
      const passphrase = await readPassphrase({
        file: flags.passphraseFile,
        env: deps.env,
        input: deps.input,
        confirm: false,
      });
      const endpoint = ep(opts);
      await rpcCall(endpoint, 'walletpassphrase', [passphrase, SEND_UNLOCK_SECONDS]);
      try {
        if (flags.dryRun) {
          const r = await rpcCall(endpoint, 'walletcreatetransaction', [
            address,
            amount,
            flags.feeRate ?? null,
          ]);
          io.out(dryRunText(r as DryRun));
        } else {
          const r = await rpcCall(endpoint, 'sendtoaddress', [
            address,
            amount,
            null,
            null,
            false,
            false,
            null,
            null,
            false,
            flags.feeRate ?? null,
          ]);
          io.out(`${String(r)}\n`);
        }
      } finally {
        await rpcCall(endpoint, 'walletlock', []).catch(() => undefined);
      }
    },
    history: async (opts, flags) => {
      const r = (await call(opts, 'listtransactions', [
        '*',
        flags.count ?? 20,
        flags.skip ?? 0,
      ])) as HistoryEntry[];
      if (flags.json) {
        io.out(`${JSON.stringify(r, null, 2)}\n`);
        return;
      }
      if (r.length === 0) {
        io.out('no transactions\n');
        return;
      }
      io.out(`${r.map(historyLine).join('\n')}\n`);
    },
    exportXpub: async (opts) => {
      const r = (await call(opts, 'exportxpub', [])) as { xpub: string };
      io.out(`${r.xpub}\n`);
    },
  };
}

/** Runs `fn` with the datadir lock held; a node holding it is reported clearly. */
async function offline(opts: NodeOptions, fn: (walletPath: string) => Promise<void>): Promise<void> {
  let lock: DatadirLock;
  try {
    lock = acquireLock(opts.datadir);
  } catch (e) {
    if (e instanceof ConfigError && e.type.code === 'DATADIR_LOCKED') {
      throw new WalletCliError({ code: 'WALLET_CLI_NODE_RUNNING', datadir: opts.datadir, pid: e.type.pid });
    }
    throw e;
  }
  try {
    const path = join(opts.datadir, WALLET_FILE_NAME);
    if (existsSync(path)) throw new WalletCliError({ code: 'WALLET_CLI_EXISTS', path });
    await fn(path);
    // A state file left by an earlier wallet belongs to other keys: the node rescans instead.
    await rm(join(opts.datadir, WALLET_STATE_FILE_NAME), { force: true });
  } finally {
    lock.release();
  }
}

function createdText(opts: NodeOptions, path: string, wallet: Wallet, mnemonic: string): string {
  const words = mnemonic.split(' ').length;
  return [
    `Wallet created: ${path} (network ${opts.network})`,
    `Account xpub: ${wallet.exportXpub()}`,
    '',
    `Recovery phrase (${words} words). Write it down now and keep it offline: it is shown only`,
    'this once. Anyone who sees it can take your coins; without it, a lost or forgotten wallet',
    'file (or passphrase) cannot be recovered.',
    '',
    `    ${mnemonic}`,
    '',
    'Start the node (`qenex node`) to use the wallet.',
    '',
  ].join('\n');
}

/** A JSON-RPC amount (number of QXC) as exact 8-decimal text. */
function qxc(n: number): string {
  const units = parseAmountText(String(n));
  return units === undefined ? String(n) : formatAmountString(units);
}

interface DryRun {
  txid: string;
  hex: string;
  size: number;
  fee: number;
  fee_rate: number;
  inputs: Array<{ txid: string; vout: number; address: string; amount: number }>;
  outputs: Array<{ n: number; address: string; amount: number; change: boolean }>;
}

function dryRunText(r: DryRun): string {
  return [
    'Dry run: the transaction below was built and signed but NOT sent.',
    `txid:    ${r.txid}`,
    `size:    ${r.size} bytes`,
    `fee:     ${qxc(r.fee)} QXC (${r.fee_rate} units/byte)`,
    'inputs:',
    ...r.inputs.map((i) => `  ${i.txid}:${i.vout}  ${qxc(i.amount)} QXC  ${i.address}`),
    'outputs:',
    ...r.outputs.map((o) => `  #${o.n}  ${qxc(o.amount)} QXC  ${o.address}${o.change ? '  (change)' : ''}`),
    `hex:     ${r.hex}`,
    '',
  ].join('\n');
}

interface HistoryEntry {
  category: string;
  amount: number;
  fee?: number;
  address?: string;
  confirmations: number;
  txid: string;
}

function historyLine(e: HistoryEntry): string {
  const conf = e.confirmations === 0 ? 'unconfirmed' : `${e.confirmations} conf`;
  const fee = e.fee !== undefined ? `  fee ${qxc(-e.fee)}` : '';
  return `${e.category.padEnd(8)} ${qxc(e.amount).padStart(20)} QXC  ${conf.padEnd(12)} ${e.address ?? ''}  ${e.txid}${fee}`;
}
