/**
 * `qenex wallet` as a user runs it: create and import offline (passphrase from the environment or
 * a file, mnemonic from a file or standard input), refusal while a node holds the datadir, then —
 * against a node process started after `create` — address, balance, export-xpub, send (dry run and
 * real) and history.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devnetParams } from '../../consensus/index.js';
import { encodeAddress } from '../../wallet/index.js';
import { keyPair } from '../utils/chainBuilder.js';
import { type CliRun, exited, freePort, runCli, spawnCli, waitFor } from '../utils/proc.js';

const PASS = 'e2e wallet passphrase';
const otherAddr = encodeAddress(keyPair('wallet-cli-other').pkh, devnetParams);

/** Runs `qenex ARGS`; QENEX_WALLET_PASSPHRASE comes only from `env`, never from this process. */
function qenex(args: string[], opts: { env?: Record<string, string>; input?: string } = {}): Promise<CliRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...opts.env };
  if (!opts.env || !('QENEX_WALLET_PASSPHRASE' in opts.env)) delete env.QENEX_WALLET_PASSPHRASE;
  return runCli(args, 60_000, { env, ...(opts.input !== undefined ? { input: opts.input } : {}) });
}

function mnemonicOf(out: string): string {
  const m = /\n {4}([a-z]+(?: [a-z]+){11,23})\n/.exec(out);
  assert.ok(m, `no recovery phrase in:\n${out}`);
  return m[1]!;
}

function xpubOf(out: string): string {
  const m = /Account xpub: (tpub\w+)/.exec(out);
  assert.ok(m, `no xpub in:\n${out}`);
  return m[1]!;
}

describe('qenex wallet CLI', function () {
  this.timeout(120_000);
  let root: string;
  const dir = (name: string) => join(root, name);
  const loc = (name: string) => ['--network', 'devnet', '--datadir', dir(name)];
  let created: { mnemonic: string; xpub: string };

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'qenex-wallet-cli-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('create (offline, passphrase from the environment) shows the recovery phrase once', async () => {
    const r = await qenex(['wallet', 'create', ...loc('a'), '--words', '12'], {
      env: { QENEX_WALLET_PASSPHRASE: PASS },
    });
    assert.equal(r.code, 0, r.stderr);
    created = { mnemonic: mnemonicOf(r.stdout), xpub: xpubOf(r.stdout) };
    assert.equal(created.mnemonic.split(' ').length, 12);
    assert.match(r.stdout, /shown only\nthis once/);
    const file = join(dir('a'), 'wallet.json');
    assert.ok(existsSync(file));
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(
      !readFileSync(file, 'utf8').includes(created.mnemonic),
      'the keystore holds no plaintext mnemonic',
    );
    assert.equal(existsSync(join(dir('a'), '.lock')), false, 'lock released');

    const again = await qenex(['wallet', 'create', ...loc('a')], { env: { QENEX_WALLET_PASSPHRASE: PASS } });
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    const noPass = await qenex(['wallet', 'create', ...loc('b')]);
    assert.equal(noPass.code, 1);
    assert.match(noPass.stderr, /passphrase is needed/);
    assert.equal(existsSync(join(dir('b'), 'wallet.json')), false);
  });

  it('import restores the same wallet from a mnemonic file or standard input', async () => {
    const mfile = join(root, 'mnemonic.txt');
    const pfile = join(root, 'pass.txt');
    await writeFile(mfile, `${created.mnemonic}\n`, { mode: 0o600 });
    await writeFile(pfile, 'another passphrase\n', { mode: 0o600 });
    const fromFile = await qenex([
      'wallet',
      'import',
      ...loc('c'),
      '--mnemonic-file',
      mfile,
      '--passphrase-file',
      pfile,
    ]);
    assert.equal(fromFile.code, 0, fromFile.stderr);
    assert.equal(xpubOf(fromFile.stdout), created.xpub);
    const fromStdin = await qenex(['wallet', 'import', ...loc('d')], {
      env: { QENEX_WALLET_PASSPHRASE: PASS },
      input: `  ${created.mnemonic.toUpperCase()}  \n`,
    });
    assert.equal(fromStdin.code, 0, fromStdin.stderr);
    assert.equal(xpubOf(fromStdin.stdout), created.xpub);
    // Piped mnemonic and nothing else: no passphrase source left.
    const noPass = await qenex(['wallet', 'import', ...loc('e')], { input: created.mnemonic });
    assert.equal(noPass.code, 1);
    assert.match(noPass.stderr, /passphrase is needed/);
    const bad = await qenex(['wallet', 'import', ...loc('e')], {
      env: { QENEX_WALLET_PASSPHRASE: PASS },
      // a word outside the BIP39 list (a reversed phrase passes the 4-bit checksum 1 time in 16)
      input: [...created.mnemonic.split(' ').slice(0, -1), 'qenexqenex'].join(' '),
    });
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid mnemonic/);
    assert.equal(existsSync(join(dir('e'), 'wallet.json')), false);
  });

  it('create refuses while a node runs on the datadir', async () => {
    const port = await freePort();
    const node = spawnCli(['node', ...loc('f'), '--rpc-port', String(port), '--p2p-port', '0']);
    try {
      await waitFor(async () => existsSync(join(dir('f'), '.cookie')), 30_000, 'the node');
      const r = await qenex(['wallet', 'create', ...loc('f')], { env: { QENEX_WALLET_PASSPHRASE: PASS } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, /a qenex node \(pid \d+\) is running on .*stop it/i);
      assert.equal(existsSync(join(dir('f'), 'wallet.json')), false);
    } finally {
      node.kill('SIGTERM');
      await exited(node);
    }
  });

  it('address, balance, export-xpub, send and history against a node started after create', async () => {
    const port = await freePort();
    const rpc = [...loc('a'), '--rpc-port', String(port)];
    const node = spawnCli(['node', ...loc('a'), '--rpc-port', String(port), '--p2p-port', '0']);
    const env = { QENEX_WALLET_PASSPHRASE: PASS };
    try {
      await waitFor(async () => existsSync(join(dir('a'), '.cookie')), 30_000, 'the node');
      const addr = await qenex(['wallet', 'address', ...rpc]);
      assert.equal(addr.code, 0, addr.stderr);
      const address = addr.stdout.trim();
      assert.match(address, /^dqxc1/);
      const xpub = await qenex(['wallet', 'export-xpub', ...rpc]);
      assert.equal(xpub.stdout.trim(), created.xpub);
      const empty = await qenex(['wallet', 'balance', ...rpc]);
      assert.equal(empty.code, 0, empty.stderr);
      assert.match(empty.stdout, /spendable: +0\.00000000 QXC/);

      const mined = await runCli(['rpc', ...rpc, 'generatetoaddress', '1', address]);
      assert.equal(mined.code, 0, mined.stderr);
      const imm = await qenex(['wallet', 'balance', ...rpc, '--json']);
      const reward = (JSON.parse(imm.stdout) as { mine: { immature: number } }).mine.immature;
      assert.ok(reward > 0);
      assert.equal((await runCli(['rpc', ...rpc, 'generatetoaddress', '100', otherAddr])).code, 0);
      const bal = await qenex(['wallet', 'balance', ...rpc, '--json']);
      assert.equal((JSON.parse(bal.stdout) as { mine: { trusted: number } }).mine.trusted, reward);

      const locked = await qenex(['wallet', 'send', ...rpc, otherAddr, '1']);
      assert.equal(locked.code, 1);
      assert.match(locked.stderr, /passphrase is needed/);
      const wrong = await qenex(['wallet', 'send', ...rpc, otherAddr, '1'], {
        env: { QENEX_WALLET_PASSPHRASE: 'wrong' },
      });
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /RPC error -14/);

      const dry = await qenex(['wallet', 'send', ...rpc, otherAddr, '1', '--dry-run'], { env });
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /NOT sent/);
      assert.match(dry.stdout, /fee: +0\.\d{8} QXC/);
      assert.match(dry.stdout, new RegExp(`1\\.00000000 QXC  ${otherAddr}`));
      assert.deepEqual(JSON.parse((await runCli(['rpc', ...rpc, 'getrawmempool'])).stdout), []);

      const sent = await qenex(['wallet', 'send', ...rpc, otherAddr, '1', '--fee-rate', '2'], { env });
      assert.equal(sent.code, 0, sent.stderr);
      const txid = sent.stdout.trim();
      assert.match(txid, /^[0-9a-f]{64}$/);
      assert.deepEqual(JSON.parse((await runCli(['rpc', ...rpc, 'getrawmempool'])).stdout), [txid]);
      const info = JSON.parse((await runCli(['rpc', ...rpc, 'getwalletinfo'])).stdout) as { locked: boolean };
      assert.equal(info.locked, true, 'send locks the wallet again');

      const hist = await qenex(['wallet', 'history', ...rpc]);
      assert.equal(hist.code, 0, hist.stderr);
      assert.match(hist.stdout, new RegExp(`send +-1\\.00000000 QXC +unconfirmed +${otherAddr} +${txid}`));
      assert.match(hist.stdout, /generate/);
    } finally {
      node.kill('SIGTERM');
      await exited(node);
    }
  });
});
