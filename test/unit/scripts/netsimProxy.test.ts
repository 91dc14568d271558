/**
 * The netsim's delaying proxy on loopback: latency each way and for the handshake, byte order
 * under jitter, the dialler's address passed on, partitions refusing and cutting links, an
 * endpoint moved to another private port. Then the netsim's node processes when a port they were
 * given is taken before they bind it: a real `qenex node` started again on fresh ports, or named
 * with the port once its attempts are used up; and their arguments without the proxy.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcClient } from '../../../node/rpc/index.js';
import {
  findPortClash,
  listenAddr,
  type NodePlan,
  NodeSet,
  type PortClash,
  planNetwork,
} from '../../../scripts/netsim/nodes.js';
import { DelayNet, type Endpoint } from '../../../scripts/netsim/proxy.js';
import { freePort, waitFor } from '../../utils/proc.js';

const A_IP = '127.0.1.201';
const B_IP = '127.0.1.202';

async function portOn(ip: string): Promise<number> {
  // freePort checks 127.0.0.1; every loopback address shares the port space only per address,
  // so check the address itself.
  for (;;) {
    const p = await freePort();
    const ok = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p, ip, () => s.close(() => resolve(true)));
    });
    if (ok) return p;
  }
}

/** An echo server that records each connection's remote address. */
async function echo(ip: string): Promise<{ server: Server; port: number; remotes: string[] }> {
  const remotes: string[] = [];
  const server = createServer((s) => {
    remotes.push(s.remoteAddress ?? '');
    s.on('error', () => {}); // the proxy resets links it cuts
    s.pipe(s);
  });
  const port = await portOn(ip);
  await new Promise<void>((resolve) => server.listen(port, ip, resolve));
  return { server, port, remotes };
}

function dial(ep: Endpoint, from: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    s.once('error', reject);
    s.connect({ host: ep.ip, port: ep.publicPort, localAddress: from }, () => resolve(s));
  });
}

/** Writes `data` in pieces and resolves with everything echoed back and the time it took. */
async function roundTrip(s: Socket, data: Buffer, pieces: number): Promise<{ back: Buffer; ms: number }> {
  const start = performance.now();
  const chunks: Buffer[] = [];
  let got = 0;
  const done = new Promise<void>((resolve) => {
    const onData = (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got < data.length) return;
      s.off('data', onData);
      resolve();
    };
    s.on('data', onData);
  });
  const step = Math.ceil(data.length / pieces);
  for (let i = 0; i < data.length; i += step) {
    s.write(data.subarray(i, i + step));
    await new Promise((r) => setImmediate(r));
  }
  await done;
  return { back: Buffer.concat(chunks), ms: performance.now() - start };
}

describe('scripts/netsim DelayNet', function () {
  this.timeout(20_000);
  let net: DelayNet;
  let target: Awaited<ReturnType<typeof echo>>;
  let ep: Endpoint;
  const sockets: Socket[] = [];

  beforeEach(async () => {
    net = new DelayNet({ latency: { baseMs: 50, jitterMs: 10 } });
    target = await echo(B_IP);
    ep = { id: 'b', ip: B_IP, privatePort: target.port, publicPort: await portOn(B_IP) };
    await net.addEndpoint(ep);
    net.registerSource(A_IP, 'a');
  });
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    await net.close();
    await new Promise<void>((r) => target.server.close(() => r()));
  });

  it('delays each direction by 40–60 ms, keeps byte order under jitter and passes the dialler’s address on', async () => {
    const s = await dial(ep, A_IP);
    sockets.push(s);
    // First trip: the handshake (one and a half round trips, the data riding on the last ACK)
    // and the way back: four one-way delays.
    const first = await roundTrip(s, Buffer.from('hello'), 1);
    assert.equal(first.back.toString(), 'hello');
    assert.ok(first.ms >= 160 && first.ms < 400, `first round trip ${first.ms} ms`);
    const again = await roundTrip(s, Buffer.from('again'), 1);
    assert.ok(again.ms >= 78 && again.ms < 250, `round trip ${again.ms} ms`);
    // Many small writes, each with its own delay draw: order must hold.
    const data = randomBytes(200_000);
    const { back } = await roundTrip(s, data, 400);
    assert.ok(back.equals(data), 'bytes in order');
    assert.deepEqual(
      target.remotes.map((r) => r.replace('::ffff:', '')),
      [A_IP],
    );
    assert.ok(net.stats().bytesForwarded >= 2 * data.length);
  });

  it('a partition refuses new links and cuts open ones; heal allows them again', async () => {
    const s = await dial(ep, A_IP);
    sockets.push(s);
    await roundTrip(s, Buffer.from('x'), 1);
    const closed = new Promise<void>((r) => s.once('close', () => r()));
    s.on('error', () => {});
    net.setPolicy((from, to) => !(from === 'a' && to === 'b'));
    await closed;
    assert.equal(net.stats().linksCut, 1);
    const refused = new Socket();
    sockets.push(refused);
    const outcome = new Promise<string>((resolve) => {
      refused.once('data', () => resolve('data'));
      refused.once('error', (e) => resolve((e as NodeJS.ErrnoException).code ?? 'error'));
      refused.once('close', () => resolve('closed'));
    });
    refused.connect({ host: ep.ip, port: ep.publicPort, localAddress: A_IP }, () => refused.write('x'));
    assert.match(await outcome, /ECONNRESET|closed/);
    assert.equal(net.stats().linksRefused, 1);
    net.heal();
    const ok = await dial(ep, A_IP);
    sockets.push(ok);
    assert.equal((await roundTrip(ok, Buffer.from('back'), 1)).back.toString(), 'back');
  });

  it('sends new links to the private port an endpoint moved to', async () => {
    const moved = await echo(B_IP);
    let s: Socket | null = null;
    try {
      net.setPrivatePort('b', moved.port);
      s = await dial(ep, A_IP);
      assert.equal((await roundTrip(s, Buffer.from('moved'), 1)).back.toString(), 'moved');
      assert.equal(moved.remotes.length, 1);
      assert.equal(target.remotes.length, 0);
      assert.throws(() => net.setPrivatePort('nobody', moved.port), RangeError);
    } finally {
      s?.destroy();
      await net.close(); // drops the link, so that the server can close
      await new Promise<void>((r) => moved.server.close(() => r()));
    }
  });
});

describe('scripts/netsim NodeSet: a port taken before the node binds it', function () {
  this.timeout(30_000);
  let root: string;
  let plan: NodePlan;
  let nodes: NodeSet | null = null;
  let held: Server | null = null;
  const user = 'netsim';
  const password = 'test-password';

  /** Listens on `port` of `ip`: another process's socket, as far as the node can tell. */
  function hold(ip: string, port: number): Promise<Server> {
    return new Promise((resolve, reject) => {
      const s = createServer();
      s.once('error', reject);
      s.listen(port, ip, () => resolve(s));
    });
  }

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'qenex-netsim-ports-'));
    // Node 0 alone: a seed, so it dials nobody.
    [plan] = (await planNetwork({ nodes: 3, miners: 1, trainers: 0, root })) as [NodePlan];
  });
  afterEach(async () => {
    await nodes?.stopAll();
    nodes = null;
    await new Promise<void>((r) => (held ? held.close(() => r()) : r()));
    held = null;
    await rm(root, { recursive: true, force: true });
  });

  it('recognises the listen failures the node prints, for the ports it was given only', () => {
    const p2p = `error: cannot listen for peers on ${plan.ip}:${plan.privatePort}: listen EADDRINUSE: address already in use ${plan.ip}:${plan.privatePort}\n`;
    const rpc = `error: cannot listen on 127.0.0.1:${plan.rpcPort}: listen EADDRINUSE: address already in use 127.0.0.1:${plan.rpcPort}\n`;
    assert.deepEqual(findPortClash(plan, `{"msg":"qenex node stopping"}\n${p2p}`), {
      listener: 'p2p',
      port: plan.privatePort,
    });
    assert.deepEqual(findPortClash(plan, rpc), { listener: 'rpc', port: plan.rpcPort });
    assert.equal(findPortClash(plan, rpc.replaceAll(String(plan.rpcPort), '1')), null);
    assert.equal(findPortClash(plan, 'error: cannot open the log file x: EACCES'), null);
  });

  it('without the proxy, a node announces where it listens and bootstraps from nobody', async () => {
    const all = await planNetwork({ nodes: 3, miners: 1, trainers: 0, root });
    const opts = { plans: all, rpcUser: user, rpcPassword: password, trainCpuShare: 0.1 };
    const flag = (args: readonly string[], name: string) => {
      const i = args.indexOf(name);
      return i < 0 ? null : args[i + 1]!;
    };
    const proxied = new NodeSet(opts);
    const direct = new NodeSet({ ...opts, proxied: false });
    try {
      const behind = proxied.args(all[0]!);
      assert.equal(flag(behind, '--p2p-announce'), `/ip4/${all[0]!.ip}/tcp/${all[0]!.publicPort}`);
      assert.equal(flag(behind, '--bootstrap'), all[1]!.publicAddr);
      const own = direct.args(all[0]!);
      assert.equal(flag(own, '--p2p-announce'), null);
      assert.equal(flag(own, '--bootstrap'), null);
      assert.equal(flag(own, '--p2p-port'), String(all[0]!.privatePort));
      assert.equal(
        listenAddr(all[0]!),
        `/ip4/${all[0]!.ip}/tcp/${all[0]!.privatePort}/p2p/${all[0]!.peerId}`,
      );
    } finally {
      await proxied.stopAll();
      await direct.stopAll();
    }
  });

  it('starts the node again on fresh ports when its P2P port is taken, and the node comes up on them', async () => {
    held = await hold(plan.ip, plan.privatePort);
    const moves: Array<{ plan: NodePlan; clash: PortClash }> = [];
    const problems: string[] = [];
    nodes = new NodeSet(
      { plans: [plan], rpcUser: user, rpcPassword: password, trainCpuShare: 0.1 },
      {
        onNewPorts: (p, clash) => moves.push({ plan: p, clash }),
        onStartFailed: (e) => problems.push(e.message),
        onExit: (p, code) => problems.push(`${p.name} exited (${code})`),
      },
    );
    nodes.start(0);
    const next = await waitFor(async () => moves[0]?.plan, 20_000, 'a start on fresh ports');
    assert.deepEqual(moves[0]!.clash, { listener: 'p2p', port: plan.privatePort });
    assert.notEqual(next.privatePort, plan.privatePort);
    assert.equal(next.publicPort, plan.publicPort, 'the proxy’s port (the announced address) stays');
    assert.equal(nodes.plans[0], next);
    const rpc = new RpcClient({ url: `http://127.0.0.1:${next.rpcPort}/`, user, password, timeoutMs: 2000 });
    await waitFor(async () => (await rpc.call<number>('getblockcount')) === 0, 20_000, 'RPC on the new port');
    await new Promise<void>((resolve, reject) => {
      const s = new Socket();
      s.once('error', reject);
      s.connect({ host: next.ip, port: next.privatePort }, () => {
        s.destroy();
        resolve();
      });
    });
    assert.equal(moves.length, 1);
    assert.deepEqual(problems, []);
    assert.ok(nodes.isRunning(0));
  });

  it('names the node and the port when the last attempt finds a port taken, and reports it down', async () => {
    held = await hold(plan.ip, plan.privatePort);
    const failures: string[] = [];
    const exits: Array<{ code: number | null; expected: boolean }> = [];
    nodes = new NodeSet(
      { plans: [plan], rpcUser: user, rpcPassword: password, trainCpuShare: 0.1, startAttempts: 1 },
      {
        onNewPorts: () => assert.fail('no attempt is left'),
        onStartFailed: (e) => failures.push(e.message),
        onExit: (_p, code, _signal, expected) => exits.push({ code, expected }),
      },
    );
    nodes.start(0);
    await waitFor(async () => exits.length > 0, 20_000, 'the exit');
    assert.equal(failures.length, 1);
    const expected = `n0 could not start: its P2P port ${plan.ip}:${plan.privatePort} was in use (1 attempt,`;
    assert.ok(failures[0]!.startsWith(expected), failures[0]);
    assert.deepEqual(exits, [{ code: 1, expected: false }]);
    assert.equal(nodes.isRunning(0), false);
    assert.equal(nodes.plans[0], plan);
  });
});
