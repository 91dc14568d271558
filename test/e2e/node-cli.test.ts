/**
 * The `qenex` command as a user runs it: a devnet node process that mines, `qenex rpc`, `qenex
 * status`, a third-party Bitcoin JSON-RPC client, WebSocket block notifications, the datadir
 * lock, SIGTERM shutdown and `qenex chain verify`.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Client from 'bitcoin-core';
import { WebSocket } from 'ws';
import { devnetParams } from '../../consensus/index.js';
import { encodeAddress } from '../../wallet/index.js';
import { keyPair } from '../utils/chainBuilder.js';
import { exited, freePort, runCli, spawnCli, waitFor } from '../utils/proc.js';

describe('qenex CLI with a devnet node process', function () {
  this.timeout(120_000);
  const addr = encodeAddress(keyPair('cli-miner').pkh, devnetParams);
  let datadir: string;
  let port: number;
  let node: ReturnType<typeof spawnCli>;

  before(async () => {
    datadir = await mkdtemp(join(tmpdir(), 'qenex-cli-'));
    port = await freePort();
    node = spawnCli([
      'node',
      '--network',
      'devnet',
      '--mine',
      '--address',
      addr,
      '--datadir',
      datadir,
      '--rpc-port',
      String(port),
      '--p2p-port',
      '0',
      '--rpc-ws',
    ]);
    await waitFor(async () => existsSync(join(datadir, '.cookie')), 30_000, 'the RPC cookie');
  });
  after(async () => {
    if (node && node.exitCode === null) {
      node.kill('SIGKILL');
      await exited(node).catch(() => undefined);
    }
    await rm(datadir, { recursive: true, force: true });
  });

  const rpcArgs = () => ['--network', 'devnet', '--datadir', datadir, '--rpc-port', String(port)];

  it('mines and answers `qenex rpc getblockchaininfo`', async () => {
    const info = await waitFor(
      async () => {
        const r = await runCli(['rpc', ...rpcArgs(), 'getblockchaininfo']);
        if (r.code !== 0) return false;
        const j = JSON.parse(r.stdout) as { chain: string; blocks: number };
        return j.blocks >= 2 ? j : false;
      },
      40_000,
      'two mined blocks',
    );
    assert.equal(info.chain, 'devnet');
    const bad = await runCli(['rpc', ...rpcArgs(), 'getblockhash', '99999']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /out of range/);
  });

  it('`qenex status` and `qenex mine status` summarise the node', async () => {
    const s = await runCli(['status', ...rpcArgs()]);
    assert.equal(s.code, 0, s.stderr);
    assert.match(s.stdout, /devnet/);
    const m = await runCli(['mine', 'status', ...rpcArgs()]);
    assert.equal(m.code, 0, m.stderr);
    assert.equal((JSON.parse(m.stdout) as { mining: boolean }).mining, true);
  });

  it('a third-party Bitcoin client (bitcoin-core on npm) calls the Bitcoin-named methods unchanged', async () => {
    const [user, password] = readFileSync(join(datadir, '.cookie'), 'utf8').trim().split(':') as [
      string,
      string,
    ];
    const client = new Client({
      host: `http://127.0.0.1:${port}`,
      username: user,
      password,
      timeout: 10_000,
    });
    const count = (await client.command('getblockcount')) as number;
    const hash = (await client.command('getblockhash', count)) as string;
    assert.match((await client.command('getbestblockhash')) as string, /^[0-9a-f]{64}$/);
    const block = (await client.command('getblock', hash)) as { hash: string; height: number };
    assert.equal(block.hash, hash);
    const hdr = (await client.command('getblockheader', hash)) as { height: number };
    assert.equal(hdr.height, block.height);
    for (const m of [
      'getblockchaininfo',
      'getmempoolinfo',
      'getrawmempool',
      'getmininginfo',
      'getdifficulty',
      'uptime',
    ]) {
      await client.command(m);
    }
    assert.equal(((await client.command('validateaddress', addr)) as { isvalid: boolean }).isvalid, true);
    await assert.rejects(client.command('getblockhash', 10_000_000), (e: { code: number }) => e.code === -8);
    const batch = (await client.command([
      { method: 'getblockcount', parameters: [] },
      { method: 'getblockhash', parameters: [0] },
    ])) as unknown[];
    assert.equal(batch[1], devnetParams.genesis.hash);
    const bad = new Client({
      host: `http://127.0.0.1:${port}`,
      username: user,
      password: 'wrong',
      timeout: 5000,
    });
    await assert.rejects(bad.command('getblockcount'));
  });

  it('WebSocket subscribers are told about new blocks', async () => {
    const cookie = readFileSync(join(datadir, '.cookie'), 'utf8').trim();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
      headers: { authorization: `Basic ${Buffer.from(cookie).toString('base64')}` },
    });
    const got = new Promise<{ topic: string; result: { height: number; connectedms: number } }>(
      (resolve, reject) => {
        ws.on('message', (d) => {
          const m = JSON.parse(String(d)) as {
            method?: string;
            params?: { topic: string; result: { height: number; connectedms: number } };
          };
          if (m.method === 'subscription' && m.params) resolve(m.params);
        });
        ws.on('error', reject);
      },
    );
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscribe', params: ['blocks'] }));
    const n = await got;
    assert.equal(n.topic, 'blocks');
    assert.ok(n.result.height > 0);
    // the node's clock when it connected the block: this machine's wall clock, in ms since the epoch
    assert.ok(Math.abs(n.result.connectedms - Date.now()) < 60_000, String(n.result.connectedms));
    ws.close();
  });

  it('a second node on the same datadir is refused with a clear message', async () => {
    const r = await runCli([
      'node',
      '--network',
      'devnet',
      '--datadir',
      datadir,
      '--rpc-port',
      '0',
      '--p2p-port',
      '0',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /another qenex node \(pid \d+\) is using/);
  });

  it('SIGTERM stops the node cleanly, then `qenex chain verify` re-validates the stored chain', async () => {
    node.kill('SIGTERM');
    assert.equal(await exited(node), 0);
    assert.equal(existsSync(join(datadir, '.cookie')), false, 'cookie removed on stop');
    assert.equal(existsSync(join(datadir, '.lock')), false, 'lock released on stop');
    const v = await runCli(['chain', 'verify', '--network', 'devnet', '--datadir', datadir], 60_000);
    assert.equal(v.code, 0, v.stderr);
    const report = JSON.parse(v.stdout) as {
      blocksChecked: number;
      mismatches: string[];
      coins: number;
      replayCoins: number;
    };
    assert.ok(report.blocksChecked >= 2);
    assert.deepEqual(report.mismatches, []);
    assert.equal(report.coins, report.replayCoins);
  });
});
