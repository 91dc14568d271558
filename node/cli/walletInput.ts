/**
 * Secrets for `qenex wallet`: the keystore passphrase (a file, the QENEX_WALLET_PASSPHRASE
 * environment variable, or a prompt without echo when standard input is a terminal — never a
 * command-line flag, which other local users could read) and an imported mnemonic (a file, piped
 * standard input, or a prompt). Also the wallet commands' typed errors.
 */
import { readFile } from 'node:fs/promises';
// The error base class from its leaf module: the consensus index loads every rule and the curves
// (docs/architecture.md, "Leaf modules").
import { QenexError } from '../../consensus/errors.js';

export const PASSPHRASE_ENV = 'QENEX_WALLET_PASSPHRASE';

export type WalletCliErrorType =
  | { code: 'WALLET_CLI_NODE_RUNNING'; datadir: string; pid: number }
  | { code: 'WALLET_CLI_EXISTS'; path: string }
  | { code: 'WALLET_CLI_NO_PASSPHRASE' }
  | { code: 'WALLET_CLI_PASSPHRASE_MISMATCH' }
  | { code: 'WALLET_CLI_NO_MNEMONIC' }
  | { code: 'WALLET_CLI_INPUT'; what: string; reason: string }
  | { code: 'WALLET_CLI_CANCELLED' }
  | { code: 'WALLET_CLI_BAD_FLAG'; flag: string; reason: string };

export class WalletCliError extends QenexError<WalletCliErrorType> {
  constructor(type: WalletCliErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'WalletCliError';
  }
}

function describe(t: WalletCliErrorType): string {
  switch (t.code) {
    case 'WALLET_CLI_NODE_RUNNING':
      return (
        `a qenex node (pid ${t.pid}) is running on ${t.datadir}: the wallet file is only written while ` +
        'the node is stopped. Stop it (`qenex rpc stop` or Ctrl-C), run this command again, then restart the node.'
      );
    case 'WALLET_CLI_EXISTS':
      return `a wallet already exists at ${t.path}; move it away first if you really want another one`;
    case 'WALLET_CLI_NO_PASSPHRASE':
      return `the wallet passphrase is needed: use --passphrase-file FILE, set ${PASSPHRASE_ENV}, or run the command in a terminal to be asked`;
    case 'WALLET_CLI_PASSPHRASE_MISMATCH':
      return 'the two passphrases differ';
    case 'WALLET_CLI_NO_MNEMONIC':
      return 'no recovery phrase given: use --mnemonic-file FILE, pipe it on standard input, or run in a terminal to be asked';
    case 'WALLET_CLI_INPUT':
      return `cannot read ${t.what}: ${t.reason}`;
    case 'WALLET_CLI_CANCELLED':
      return 'cancelled';
    case 'WALLET_CLI_BAD_FLAG':
      return `invalid ${t.flag}: ${t.reason}`;
  }
}

/** Standard input as the wallet commands use it (injectable for tests). */
export interface SecretInput {
  /** Is standard input a terminal (so the user can be asked)? */
  readonly isTTY: boolean;
  /** Standard input to its end (piped input). */
  readAll(): Promise<string>;
  /** Asks on the terminal without echoing what is typed. */
  promptHidden(question: string): Promise<string>;
}

/** The process's standard input; prompts are written to standard error. */
export function processSecretInput(): SecretInput {
  return {
    get isTTY() {
      return process.stdin.isTTY === true;
    },
    async readAll() {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin)
        chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    promptHidden: (question) => promptHidden(question, process.stdin, process.stderr),
  };
}

/** Reads one line in raw mode: nothing is echoed; Backspace edits, Ctrl-C/Ctrl-D cancel, arrow keys are ignored. */
function promptHidden(
  question: string,
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
): Promise<string> {
  return new Promise((resolve, reject) => {
    output.write(question);
    const wasRaw = input.isRaw === true;
    input.setRawMode?.(true);
    input.setEncoding('utf8');
    input.resume();
    let value = '';
    let inEscape = false;
    const finish = (err: WalletCliError | null) => {
      input.off('data', onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (inEscape) {
          // CSI sequences (arrows, Home, ...) end with a letter or '~'.
          if (/[A-Za-z~]/.test(ch)) inEscape = false;
          continue;
        }
        const code = ch.codePointAt(0) ?? 0;
        if (ch === '\r' || ch === '\n') return finish(null);
        if (code === 3 || (code === 4 && value === ''))
          return finish(new WalletCliError({ code: 'WALLET_CLI_CANCELLED' }));
        if (code === 27) inEscape = true;
        else if (code === 127 || code === 8) value = Array.from(value).slice(0, -1).join('');
        else if (code >= 32) value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** Text of a secret file: one trailing line break (\n or \r\n) is not part of the secret. */
export async function readSecretFile(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new WalletCliError({ code: 'WALLET_CLI_INPUT', what: `${what} file ${path}`, reason: errText(e) });
  }
  return text.replace(/\r?\n$/, '');
}

export interface PassphraseSources {
  /** Absolute path of --passphrase-file. */
  readonly file?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly input: SecretInput;
  /** Ask twice (a new keystore). */
  readonly confirm: boolean;
  /** Standard input already carried other data (a piped mnemonic): no prompting. */
  readonly stdinUsed?: boolean;
}

/** The passphrase: --passphrase-file, else $QENEX_WALLET_PASSPHRASE, else a prompt on a terminal. */
export async function readPassphrase(s: PassphraseSources): Promise<string> {
  if (s.file !== undefined) {
    const p = await readSecretFile(s.file, 'passphrase');
    if (p === '')
      throw new WalletCliError({
        code: 'WALLET_CLI_INPUT',
        what: 'passphrase',
        reason: `${s.file} is empty`,
      });
    return p;
  }
  const fromEnv = s.env[PASSPHRASE_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!s.input.isTTY || s.stdinUsed) throw new WalletCliError({ code: 'WALLET_CLI_NO_PASSPHRASE' });
  const p = await s.input.promptHidden('Wallet passphrase: ');
  if (p === '') throw new WalletCliError({ code: 'WALLET_CLI_INPUT', what: 'passphrase', reason: 'empty' });
  if (s.confirm && (await s.input.promptHidden('Repeat the passphrase: ')) !== p) {
    throw new WalletCliError({ code: 'WALLET_CLI_PASSPHRASE_MISMATCH' });
  }
  return p;
}

/** The recovery phrase to import: --mnemonic-file, else piped stdin, else a prompt. */
export async function readMnemonic(
  file: string | undefined,
  input: SecretInput,
): Promise<{ mnemonic: string; stdinUsed: boolean }> {
  if (file !== undefined) return { mnemonic: await readSecretFile(file, 'mnemonic'), stdinUsed: false };
  if (input.isTTY) {
    return {
      mnemonic: await input.promptHidden('Recovery phrase (words separated by spaces): '),
      stdinUsed: false,
    };
  }
  let text: string;
  try {
    text = await input.readAll();
  } catch (e) {
    throw new WalletCliError({ code: 'WALLET_CLI_INPUT', what: 'standard input', reason: errText(e) });
  }
  if (text.trim() === '') throw new WalletCliError({ code: 'WALLET_CLI_NO_MNEMONIC' });
  return { mnemonic: text, stdinUsed: true };
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
