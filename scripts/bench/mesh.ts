/**
 * Connecting the benches' in-process test nodes: a dial that is tried again, a connect that waits
 * for the handshake, and a mesh (meshPlan.ts's links) that waits for gossip to be ready on it.
 */
import type { TestNode } from '../../test/utils/node.js';
import { waitFor } from '../../test/utils/proc.js';
import { GOSSIP_MESH_MS, linkMesh, withRetries } from './meshPlan.js';

/** Dials `addr` from a; a failed dial is tried again (twice, 1 s apart) before the error is thrown. */
export function dial(a: TestNode, addr: string): Promise<string> {
  return withRetries(() => a.node.p2p.connect(addr), 'dial');
}

export function loopbackAddr(n: TestNode): string {
  return n.node.p2p.multiaddrs.find((m) => m.includes('127.0.0.1'))!;
}

/** Connects a to b and waits for their handshake. */
export async function connect(a: TestNode, b: TestNode): Promise<void> {
  await dial(a, loopbackAddr(b));
  await waitFor(
    async () => a.node.p2p.peers().some((p) => p.id === b.node.p2p.peerId && p.status),
    20_000,
    'handshake',
  );
}

/**
 * Links the nodes into meshPlan.ts's mesh (linkMesh: node i dials i-1 and 7i mod (i-1), a failed
 * link skipped, a node cut off linked to the reachable ones). Then waits until both ends of every
 * link see each other subscribed to the block and transaction topics, and GOSSIP_MESH_MS more for
 * gossipsub's heartbeat to graft its meshes (not visible through the node's API).
 * Returns the links made, as pairs of indexes.
 */
export async function buildMesh(nodes: readonly TestNode[]): Promise<Array<[number, number]>> {
  const links = await linkMesh(nodes.length, (i, j) => connect(nodes[i]!, nodes[j]!));
  await waitFor(
    async () => links.every(([i, j]) => subscribed(nodes[i]!, nodes[j]!) && subscribed(nodes[j]!, nodes[i]!)),
    20_000,
    'gossip subscriptions',
  );
  await new Promise((r) => setTimeout(r, GOSSIP_MESH_MS));
  return links;
}

function subscribed(a: TestNode, b: TestNode): boolean {
  const id = b.node.p2p.peerId;
  return a.node.p2p.gossipPeers('blocks').includes(id) && a.node.p2p.gossipPeers('txs').includes(id);
}
