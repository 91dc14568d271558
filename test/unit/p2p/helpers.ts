/** Shared helpers of the p2p network tests: nodes on 127.0.0.1 port 0, polling waits. */
import { createP2p, type P2pDeps, type P2pNode, type P2pOptions } from '../../../p2p/index.js';
import { FakeChain } from './fakeChain.js';

export interface TestNode {
  readonly node: P2pNode;
  readonly chain: FakeChain;
}

/** Options for fast, deterministic test networks (no auto-dialling of discovered peers). */
export const TEST_OPTS: Partial<P2pOptions> = {
  host: '127.0.0.1',
  port: 0,
  gossipHeartbeatMs: 100,
  targetPeers: 0,
  // no feeler dials or reconnections unless a test asks for them (feeler.test.ts, reconnect.test.ts)
  feelerMs: 0,
  reconnectMs: 0,
  requestTimeoutMs: 5000,
  inboundConnectionThreshold: 100,
};

export class Network {
  readonly nodes: P2pNode[] = [];

  async add(
    chain: FakeChain = new FakeChain(),
    opts: Partial<P2pOptions> = {},
    deps: Partial<P2pDeps> = {},
  ): Promise<TestNode> {
    const node = createP2p({ ...TEST_OPTS, ...opts }, { chain, ...deps });
    this.nodes.push(node);
    await node.start();
    return { node, chain };
  }

  async stopAll(): Promise<void> {
    const nodes = this.nodes.splice(0);
    await Promise.all(nodes.map((n) => n.stop()));
  }
}

export async function waitFor(
  what: string,
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Connects `a` to `b` and waits until both finished the handshake. */
export async function link(a: P2pNode, b: P2pNode): Promise<void> {
  await a.connect(b.multiaddrs[0]!);
  await waitFor('handshake', () => a.peerStatus(b.peerId) !== null && b.peerStatus(a.peerId) !== null);
}
