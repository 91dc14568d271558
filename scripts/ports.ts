/** Free TCP ports for the node processes that scripts and tests start. */
import { createServer, type Server } from 'node:net';

function listen(ip: string): Promise<Server> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, ip, () => res(s));
  });
}

/**
 * `count` distinct TCP ports free on `ip` a moment ago. All are held open until every one is
 * picked, so two picks can never return the same port (one pick closed and picked again can).
 */
export async function freePorts(count: number, ip = '127.0.0.1'): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listen(ip));
    return servers.map((s) => {
      const a = s.address();
      return typeof a === 'object' && a ? a.port : 0;
    });
  } finally {
    await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  }
}

/** One TCP port free on `ip` a moment ago. */
export async function freePort(ip = '127.0.0.1'): Promise<number> {
  return (await freePorts(1, ip))[0]!;
}
