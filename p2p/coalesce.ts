/**
 * One socket write per encrypted frame.
 *
 * Noise (@chainsafe/libp2p-noise 17) hands the TCP connection each frame as a list of two
 * buffers, its 2-byte length and the ciphertext, and @libp2p/tcp writes every buffer of a list
 * with its own `socket.write`: two system calls, and often two reads at the receiver, per frame.
 * A 10-node devnet mesh made 846 socket writes per small block, half of them 2 bytes long
 * (docs/p2p-throughput.md). `coalescingEncrypter` wraps the encrypter so that the connection
 * beneath it writes what it is handed in one piece (one copy of a frame's bytes). The bytes on
 * the wire are unchanged: peers without it interoperate.
 */
import type { ConnectionEncrypter, MessageStream, SecureConnectionOptions } from '@libp2p/interface';
import { Uint8ArrayList } from 'uint8arraylist';

/** What AbstractMessageStream subclasses (the TCP connection) implement to put bytes on the wire. */
interface SendsData {
  sendData(data: Uint8ArrayList): { sentBytes: number; canSendMore: boolean };
}

function hasSendData(s: object): s is SendsData {
  return typeof (s as Partial<SendsData>).sendData === 'function';
}

/** How many buffers `list` holds, counting to 2 at most. */
function pieces(list: Uint8ArrayList): number {
  let n = 0;
  for (const _ of list) if (++n > 1) break;
  return n;
}

/**
 * Makes `conn` pass each batch of queued bytes to its transport as one buffer. A stream without
 * the AbstractMessageStream `sendData` hook is returned as it is.
 */
export function coalesceWrites<S extends MessageStream>(conn: S): S {
  if (!hasSendData(conn)) return conn;
  const send = conn.sendData.bind(conn);
  conn.sendData = (data) => send(pieces(data) > 1 ? new Uint8ArrayList(data.subarray()) : data);
  return conn;
}

/** `inner` (a connection encrypter factory) over connections that write each frame in one piece. */
export function coalescingEncrypter<C>(
  inner: (components: C) => ConnectionEncrypter,
): (components: C) => ConnectionEncrypter {
  return (components) => {
    const enc = inner(components);
    return {
      protocol: enc.protocol,
      secureInbound: (conn: MessageStream, options?: SecureConnectionOptions) =>
        enc.secureInbound(coalesceWrites(conn), options),
      secureOutbound: (conn: MessageStream, options?: SecureConnectionOptions) =>
        enc.secureOutbound(coalesceWrites(conn), options),
    };
  };
}
