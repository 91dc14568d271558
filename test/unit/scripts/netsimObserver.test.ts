/**
 * The netsim's chain observer opens a session only on a well-formed answer to its subscription
 * batch; a socket that answered anything else is dropped and a new one opened (a node answering
 * an error at start-up must not leave the observer waiting on that socket for ever).
 */
import { strict as assert } from 'node:assert';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { ChainObserver } from '../../../scripts/netsim/observer.js';

describe('netsim chain observer', () => {
  let server: WebSocketServer;
  let observer: ChainObserver | null = null;

  afterEach(async () => {
    observer?.close();
    observer = null;
    await new Promise<void>((r) => server.close(() => r()));
  });

  it('drops a socket whose subscription batch was refused and opens a session on the next one', async () => {
    let connections = 0;
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server.on('connection', (ws) => {
      const n = ++connections;
      ws.on('message', (data) => {
        const batch = JSON.parse(String(data)) as Array<{ id: string; method: string }>;
        ws.send(
          JSON.stringify(
            batch.map((r) =>
              // the first connection: every call refused, as a node still starting might
              n === 1
                ? { jsonrpc: '2.0', id: r.id, error: { code: -28, message: 'starting' } }
                : {
                    jsonrpc: '2.0',
                    id: r.id,
                    result:
                      r.method === 'subscribe' ? true : r.method === 'getblockcount' ? 7 : 'ab'.repeat(32),
                  },
            ),
          ),
        );
      });
    });
    await new Promise<void>((r) => server.once('listening', () => r()));
    const port = (server.address() as AddressInfo).port;
    const obs = new ChainObserver({
      nodes: [{ index: 0, rpcPort: port }],
      user: 'u',
      password: 'p',
      retryMs: 50,
    });
    observer = obs;
    obs.watch(0);
    await obs.waitFor(() => obs.tip(0) !== null, 5000, 'a session');
    assert.deepEqual(obs.tip(0), { hash: 'ab'.repeat(32), height: 7 });
    assert.equal(connections, 2, 'one refused socket, then the session');
    assert.equal(obs.sessions.length, 1);
  });
});
