/**
 * The web dashboard of a running node: the login link `qenex dashboard` prints, the session it is
 * exchanged for, the checks on every way in (token, Origin, Host, session), the live WebSocket
 * feed; then the page itself in headless Chromium (Debian's /usr/bin/chromium through
 * playwright-core: nothing is downloaded), with a real model update on the chain.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'mocha';
import type { BrowserContext } from 'playwright-core';
import { WebSocket } from 'ws';
import { devnetParams, toHex } from '../../consensus/index.js';
import { encodeAddress } from '../../wallet/index.js';
import { keyPair } from '../utils/chainBuilder.js';
import { trainedSignedDelta } from '../utils/deltas.js';
import { startTestNode, type TestNode } from '../utils/node.js';
import { runCli, waitFor } from '../utils/proc.js';

const CHROMIUM = '/usr/bin/chromium';
const minerAddress = encodeAddress(keyPair('dashboard miner').pkh, devnetParams);

/** `qenex dashboard` against the test node: the login link it prints. */
async function loginLink(t: TestNode): Promise<URL> {
  const run = await runCli(
    ['dashboard', '--network', 'devnet', '--datadir', t.datadir, '--rpc-port', String(t.node.rpc.port)],
    60_000,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /works until/);
  return new URL(run.stdout.trim());
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One raw HTTP request (fetch would not let a test set Host or leave Origin out on purpose). */
function http(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** Opens the dashboard WebSocket; resolves with the socket, or rejects with the HTTP status it got. */
function openWs(port: number, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/dashboard/ws`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Collects a socket's JSON messages; `next(type)` waits for the next one of a type. */
function inbox(ws: WebSocket) {
  const seen: Array<{ type: string } & Record<string, unknown>> = [];
  ws.on('message', (d) => seen.push(JSON.parse(d.toString())));
  return async (type: string, timeoutMs = 10_000) => {
    const at = seen.findIndex((m) => m.type === type);
    if (at >= 0) return seen.splice(at, 1)[0]!;
    return waitFor(
      async () => {
        const i = seen.findIndex((m) => m.type === type);
        return i >= 0 && seen.splice(i, 1)[0]!;
      },
      timeoutMs,
      `a "${type}" message`,
    );
  };
}

describe('e2e: dashboard login and feed', function () {
  this.timeout(90_000);
  let t: TestNode;
  let port: number;
  let origin: string;
  let cookie: string;

  before(async () => {
    t = await startTestNode({});
    port = t.node.rpc.port;
    origin = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await t?.close();
  });

  it('serves the page and its files (uPlot from its package), with a strict CSP', async () => {
    const page = await http(port, 'GET', '/dashboard/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.match(page.body, /<script src="app.js" defer>/);
    const redirect = await http(port, 'GET', '/dashboard');
    assert.deepEqual([redirect.status, redirect.headers.location], [308, '/dashboard/']);
    const uplot = await http(port, 'GET', '/dashboard/vendor/uPlot.iife.min.js');
    assert.equal(uplot.status, 200);
    assert.match(uplot.body, /uPlot/);
    assert.equal((await http(port, 'GET', '/dashboard/../.cookie')).status, 404);
    assert.equal((await http(port, 'GET', '/dashboard/nope.js')).status, 404);
    assert.equal(
      (await http(port, 'GET', '/dashboard/', { host: 'evil.example' })).status,
      403,
      'DNS rebinding',
    );
  });

  it('exchanges the link from `qenex dashboard` for an HttpOnly SameSite=Strict session, nothing else', async () => {
    const link = await loginLink(t);
    assert.equal(link.origin, origin);
    assert.equal(link.pathname, '/dashboard/');
    const token = new URLSearchParams(link.hash.slice(1)).get('token')!;
    assert.ok(token, 'the token travels in the fragment');
    const json = { 'content-type': 'application/json' };
    const post = (headers: Record<string, string>, tok: string) =>
      http(port, 'POST', '/dashboard/session', { ...json, ...headers }, JSON.stringify({ token: tok }));
    assert.equal((await post({}, token)).status, 403, 'no Origin');
    assert.equal((await post({ origin: 'http://evil.example' }, token)).status, 403, 'another Origin');
    const [expiry, mac] = token.split('.') as [string, string];
    assert.equal((await post({ origin }, `${expiry}.${mac.slice(1)}A`)).status, 403, 'forged');
    const ok = await post({ origin }, token);
    assert.equal(ok.status, 204);
    const setCookie = String(ok.headers['set-cookie']);
    assert.match(
      setCookie,
      new RegExp(
        `^qenex_dashboard_${port}=[A-Za-z0-9_-]{43}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=\\d+$`,
      ),
    );
    cookie = setCookie.split(';')[0]!;
    const session = await http(port, 'GET', '/dashboard/session', { cookie });
    assert.deepEqual(JSON.parse(session.body), { authenticated: true });
    const none = await http(port, 'GET', '/dashboard/session');
    assert.deepEqual(JSON.parse(none.body), { authenticated: false });
    // the RPC itself still wants its own credentials
    assert.equal(
      (await http(port, 'POST', '/', { cookie, ...json }, '{"method":"getblockcount"}')).status,
      401,
    );
  });

  it('refuses WebSocket upgrades without the session, from another Origin or through another Host', async () => {
    await assert.rejects(openWs(port, { origin }), /HTTP 401/);
    await assert.rejects(
      openWs(port, { origin, cookie: `qenex_dashboard_${port}=${'A'.repeat(43)}` }),
      /HTTP 401/,
    );
    await assert.rejects(openWs(port, { cookie }), /HTTP 403/, 'no Origin');
    await assert.rejects(openWs(port, { cookie, origin: 'http://evil.example' }), /HTTP 403/);
    await assert.rejects(
      openWs(port, { cookie, origin: `http://evil.example:${port}`, host: `evil.example:${port}` }),
      /HTTP 403/,
      'DNS rebinding',
    );
  });

  it('pushes a snapshot, the model’s output on request, and each new tip', async () => {
    const ws = await openWs(port, { origin, cookie });
    const next = inbox(ws);
    const snap = (await next('snapshot')) as unknown as {
      tip: {
        chain: { blocks: number };
        history: unknown[];
        model: { domains: unknown[] };
        improvements: unknown[];
      };
      status: { mempool: { size: number }; peers: unknown[]; mining: { blocks: number }; training: unknown };
    };
    const height = t.node.chain.tip.height;
    assert.equal(snap.tip.chain.blocks, height);
    assert.ok(snap.tip.history.length >= 1, 'the genesis model at least');
    assert.equal(snap.tip.model.domains.length, 2);
    assert.deepEqual(snap.tip.improvements, []);
    assert.equal(snap.status.mempool.size, 0);
    assert.deepEqual(snap.status.peers, []);

    ws.send(JSON.stringify({ type: 'output', id: 1, prompt: 'The jury said' }));
    const out = (await next('output')) as unknown as {
      id: number;
      generate: { text: string; modelhash: string };
      predict: { next: unknown[] };
    };
    assert.equal(out.id, 1);
    assert.equal(out.generate.text.length, 160);
    assert.equal(out.generate.modelhash, toHex(t.node.chain.tip.modelHash));
    assert.equal(out.predict.next.length, 5);
    ws.send('{"method":"sendtoaddress"}');
    assert.equal((await next('error')).message, 'unknown request', 'no RPC over this socket');

    await t.node.generate(1, minerAddress);
    const tip = (await next('tip', 5000)) as unknown as { tip: { chain: { blocks: number } } };
    assert.equal(tip.tip.chain.blocks, height + 1);
    ws.close();
  });

  it('ends the session on DELETE: the old cookie opens nothing', async () => {
    assert.equal((await http(port, 'DELETE', '/dashboard/session', { cookie, origin })).status, 204);
    await assert.rejects(openWs(port, { origin, cookie }), /HTTP 401/);
  });

  it('says so when the dashboard is disabled', async () => {
    const off = await startTestNode({ dashboard: false });
    try {
      const reply = await off.node.rpc.dispatch(
        JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getdashboardurl' }),
      );
      assert.match(reply.body!, /The dashboard is disabled/);
      assert.equal((await http(off.node.rpc.port, 'GET', '/dashboard/')).status, 404);
    } finally {
      await off.close();
    }
  });
});

describe('e2e: dashboard in headless Chromium', function () {
  this.timeout(180_000);
  let t: TestNode;
  let context: BrowserContext | undefined;
  let profile: string | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`    skipped: ${CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does)`);
      this.skip();
    }
    t = await startTestNode({ mine: true, address: minerAddress });
    // One real model update: three contributors pool trained deltas, the miner includes them,
    // the next block pays them.
    const contributors = [1, 2, 3].map((i) => keyPair(`dashboard contributor ${i}`));
    for (let round = 0; !hasUpdate(t); round++) {
      assert.ok(round < 6, 'an update within six rounds of deltas');
      const before = toHex(t.node.chain.tip.modelHash);
      contributors.forEach((k, i) => {
        const delta = { shard: { index: i, count: 3 }, seed: `dashboard/${round}/${i}`, samples: 800 };
        t.node.deltaPool.add(trainedSignedDelta(t.node, { ...delta, secretKey: k.sk }));
      });
      await waitFor(
        async () => toHex(t.node.chain.tip.modelHash) !== before,
        60_000,
        'the miner includes an update',
      );
    }
    const updated = t.node.chain.tip.height;
    await waitFor(async () => t.node.chain.tip.height > updated, 30_000, 'the block paying the contributors');
  });

  after(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await t?.close();
  });

  it('logs in from the link, draws the score chart, and shows a new block within seconds', async () => {
    const { chromium } = await import('playwright-core');
    profile = await mkdtemp(join(tmpdir(), 'qenex-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 1400 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });

    const link = await loginLink(t);
    await page.goto(link.toString());
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 15_000 });
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
    assert.equal(await page.isVisible('#app'), true);
    assert.equal(await page.isVisible('#login'), false);
    const cookies = await context.cookies();
    assert.equal(cookies.length, 1);
    assert.deepEqual([cookies[0]!.httpOnly, cookies[0]!.sameSite], [true, 'Strict']);

    // The chart: one point per model change (genesis, the update) plus the tip, per domain.
    await page.waitForFunction(() => Number(document.getElementById('chart')?.dataset.points) >= 3, null, {
      timeout: 15_000,
    });
    assert.equal(await page.locator('#chart canvas').count(), 1);
    const legend = await page.locator('#chart .u-legend .u-series').allTextContents();
    assert.ok(
      legend.some((s) => s.includes('lm')) && legend.some((s) => s.includes('math')),
      legend.join('|'),
    );
    const improvements = page.locator('#improvements tbody tr');
    assert.ok((await improvements.count()) >= 1, 'the update is listed');
    assert.match((await improvements.first().textContent()) ?? '', /samples/);
    await page.waitForFunction(() => (document.getElementById('output-text')?.textContent ?? '').length > 0);

    // A block mined now shows up within a few seconds.
    const shown = Number(await page.getAttribute('#tip-height', 'data-height'));
    const next = await waitFor(
      async () => t.node.chain.tip.height > shown && t.node.chain.tip.height,
      30_000,
      'the miner finds a block',
    );
    const seenAt = Date.now();
    await page.waitForFunction(
      (h) => Number(document.getElementById('tip-height')?.dataset.height) >= h,
      next,
      { timeout: 5000 },
    );
    assert.ok(Date.now() - seenAt < 5000);

    const shot = process.env.QENEX_DASHBOARD_SCREENSHOT ?? join(profile, 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok((await stat(shot)).size > 10_000, 'a rendered screenshot');
    assert.deepEqual(problems, [], 'no script error and no CSP violation');
  });
});

function hasUpdate(t: TestNode): boolean {
  for (let h = t.node.chain.tip.height; h > 0; h--)
    if (t.node.chain.getEntryByHeight(h)!.improvementPpm > 0) return true;
  return false;
}
