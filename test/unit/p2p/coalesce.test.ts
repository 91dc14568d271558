import { strict as assert } from 'node:assert';
import type { ConnectionEncrypter, MessageStream } from '@libp2p/interface';
import { Uint8ArrayList } from 'uint8arraylist';
import { coalesceWrites, coalescingEncrypter } from '../../../p2p/coalesce.js';

/** A transport stub that records what each sendData call hands it, buffer by buffer. */
function recorder() {
  const calls: Uint8Array[][] = [];
  const conn = {
    sendData(data: Uint8ArrayList) {
      calls.push([...data]);
      return { sentBytes: data.byteLength, canSendMore: true };
    },
  };
  return { calls, conn: conn as unknown as MessageStream & typeof conn };
}

describe('p2p coalesced writes', () => {
  it('hands the transport a noise frame (length, ciphertext) as one buffer with the same bytes', () => {
    const { calls, conn } = recorder();
    coalesceWrites(conn);
    const r = conn.sendData(new Uint8ArrayList(Uint8Array.of(0, 3), Uint8Array.of(7, 8, 9)));
    assert.deepEqual(r, { sentBytes: 5, canSendMore: true });
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], [Uint8Array.of(0, 3, 7, 8, 9)], 'one buffer, not two writes');
    conn.sendData(new Uint8ArrayList(Uint8Array.of(1, 2)));
    assert.deepEqual(calls[1], [Uint8Array.of(1, 2)], 'a single buffer passes as it is');
  });

  it('leaves a stream without the sendData hook as it is', () => {
    const plain = { send: () => true } as unknown as MessageStream;
    assert.equal(coalesceWrites(plain), plain);
  });

  it('the wrapped encrypter keeps its protocol and secures the coalescing connection', async () => {
    const seen: MessageStream[] = [];
    const inner = (): ConnectionEncrypter =>
      ({
        protocol: '/noise',
        secureInbound: async (c: MessageStream) => {
          seen.push(c);
          return { connection: c, remotePeer: undefined };
        },
        secureOutbound: async (c: MessageStream) => {
          seen.push(c);
          return { connection: c, remotePeer: undefined };
        },
      }) as unknown as ConnectionEncrypter;
    const enc = coalescingEncrypter(inner)({});
    assert.equal(enc.protocol, '/noise');
    const { calls, conn } = recorder();
    await enc.secureOutbound(conn);
    const out = seen[0] as typeof conn;
    out.sendData(new Uint8ArrayList(Uint8Array.of(1), Uint8Array.of(2)));
    assert.deepEqual(calls, [[Uint8Array.of(1, 2)]]);
  });
});
