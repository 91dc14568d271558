/**
 * Connecting the benches' in-process test nodes: a dial that is tried again, a connect that waits
 * for the handshake, and a mesh that survives a link that cannot be made.
 */
import type { TestNode } from '../../test/utils/node.js';
import { waitFor } from '../../test/utils/proc.js';

/** How long gossipsub gets to build its topic meshes once every link's subscriptions are known. */
const GOSSIP_MESH_MS = 3000;

/** Dials `addr` from a; a failed dial is tried again (twice, 1 s apart) before the error is thrown. */
export async function dial(a: TestNode, addr: string): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await a.node.p2p.connect(addr);
    } catch (err) {
      if (attempt >= 3) throw err;
      console.log(`  dial failed (${message(err)}); trying again`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
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
 * Links the nodes into a connected mesh with multi-hop paths: node i dials node i-1 and node
 * (7i mod (i-1)) (another earlier one). A link that still fails after `dial`'s retries is logged
 * and skipped; if that leaves a node cut off from node 0, it dials the reachable nodes in turn
 * until one link holds (the bench gives up only when none does). Then waits until both ends of
 * every link see each other subscribed to the block and transaction topics, and GOSSIP_MESH_MS
 * more for gossipsub's heartbeat to graft its meshes (not visible through the node's API).
 * Returns the links made, as pairs of indexes.
 */
export async function buildMesh(nodes: readonly TestNode[]): Promise<Array<[number, number]>> {
  const links: Array<[number, number]> = [];
  const tryLink = async (i: number, j: number): Promise<boolean> => {
    try {
      await connect(nodes[i]!, nodes[j]!);
      links.push([i, j]);
      return true;
    } catch (err) {
      console.log(`  mesh link ${i} → ${j} failed (${message(err)}); skipped`);
      return false;
    }
  };
  for (let i = 1; i < nodes.length; i++) {
    await tryLink(i, i - 1);
    if (i >= 2) await tryLink(i, (i * 7) % (i - 1));
  }
  for (let cut = unreached(nodes.length, links); cut !== undefined; cut = unreached(nodes.length, links)) {
    const reached = component(nodes.length, links);
    let linked = false;
    for (const j of reached) {
      if (await tryLink(cut, j)) {
        linked = true;
        break;
      }
    }
    if (!linked) throw new Error(`node ${cut} could not be linked to the mesh`);
  }
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

/** Indexes reachable from node 0 over `links`. */
function component(n: number, links: ReadonlyArray<readonly [number, number]>): number[] {
  const seen = new Set([0]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [a, b] of links) {
      if (seen.has(a) !== seen.has(b)) {
        seen.add(a).add(b);
        grew = true;
      }
    }
  }
  return [...seen].filter((i) => i < n).sort((a, b) => a - b);
}

/** The lowest index not reachable from node 0, if any. */
function unreached(n: number, links: ReadonlyArray<readonly [number, number]>): number | undefined {
  const reached = new Set(component(n, links));
  for (let i = 0; i < n; i++) if (!reached.has(i)) return i;
  return undefined;
}

/** Longest shortest path (in links) between two nodes, for the bench's description of the mesh. */
export function diameter(n: number, links: ReadonlyArray<readonly [number, number]>): number {
  let worst = 0;
  for (let s = 0; s < n; s++) {
    const dist = new Map([[s, 0]]);
    for (let frontier = [s]; frontier.length > 0; ) {
      const next: number[] = [];
      for (const u of frontier) {
        for (const [a, b] of links) {
          const v = a === u ? b : b === u ? a : -1;
          if (v >= 0 && !dist.has(v)) {
            dist.set(v, dist.get(u)! + 1);
            next.push(v);
          }
        }
      }
      frontier = next;
    }
    for (const d of dist.values()) worst = Math.max(worst, d);
  }
  return worst;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
