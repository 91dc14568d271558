/**
 * The netsim's delaying proxy on loopback: latency each way and for the handshake, byte order
 * under jitter, the dialler's address passed on, partitions refusing and cutting links.
 */
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, Socket } from 'node:net';
import { DelayNet, type Endpoint } from '../../../scripts/netsim/proxy.js';
import { freePort } from '../../utils/proc.js';

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
});
