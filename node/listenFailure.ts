/**
 * What a failed listen looks like: the socket error behind a node service that could not bind its
 * port, found in Node's errno errors and in libp2p's wrapped ones, so that start-up can name the
 * clash ("port in use") instead of a generic failure.
 */

/** Errno codes of a listener that cannot bind. */
const LISTEN_ERRNOS = new Set(['EADDRINUSE', 'EADDRNOTAVAIL', 'EACCES']);
/** libp2p 3 reports a failed listen only in the text of an UnsupportedListenAddressesError. */
const LIBP2P_LISTEN_FAILURE = /listen (EADDRINUSE|EADDRNOTAVAIL|EACCES)[^\n]*/;

/**
 * The socket error behind a failed start (searching causes and aggregated errors), e.g.
 * 'listen EADDRINUSE: address already in use 127.0.0.1:18444'; undefined when it is something else.
 */
export function socketFailure(e: unknown, depth = 0): string | undefined {
  if (depth > 4 || e === null || typeof e !== 'object') return undefined;
  const rec = e as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
  if (typeof rec.code === 'string' && LISTEN_ERRNOS.has(rec.code)) {
    return typeof rec.message === 'string' ? rec.message : rec.code;
  }
  if (rec.name === 'UnsupportedListenAddressesError' && typeof rec.message === 'string') {
    const m = LIBP2P_LISTEN_FAILURE.exec(rec.message);
    if (m) return m[0];
  }
  for (const inner of [rec.cause, ...(Array.isArray(rec.errors) ? rec.errors : [])]) {
    const found = socketFailure(inner, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
