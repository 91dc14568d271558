/**
 * The propagation benches' mesh, whatever the nodes are (in-process test nodes, mesh.ts, or
 * `qenex node` processes linked by RPC, procMesh.ts): which node dials which, a link tried again
 * before it is given up, a node left cut off linked to the reachable ones, and the mesh's diameter.
 * The caller says how to make one link; nothing here knows what a node is.
 */
import { QenexError } from '../../consensus/index.js';

/** How long gossipsub gets to build its topic meshes once every link's subscriptions are known. */
export const GOSSIP_MESH_MS = 3000;

export type MeshErrorType = { code: 'MESH_NODE_CUT_OFF'; node: number };

export class MeshError extends QenexError<MeshErrorType> {}

/** Runs `fn`; a failure is tried again (twice, 1 s apart, each logged) before its error is thrown. */
export async function withRetries<T>(fn: () => Promise<T>, what: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 3) throw err;
      console.log(`  ${what} failed (${message(err)}); trying again`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Links `n` nodes into a connected mesh with multi-hop paths: node i dials node i-1 and node
 * (7i mod (i-1)) (another earlier one), through `link(i, j)` (resolves once i and j are connected
 * and have shaken hands). A link that fails is logged and skipped; if that leaves a node cut off
 * from node 0, it dials the reachable nodes in turn until one link holds (MeshError when none
 * does). Returns the links made, as pairs of indexes.
 */
export async function linkMesh(
  n: number,
  link: (i: number, j: number) => Promise<void>,
): Promise<Array<[number, number]>> {
  const links: Array<[number, number]> = [];
  const tryLink = async (i: number, j: number): Promise<boolean> => {
    try {
      await link(i, j);
      links.push([i, j]);
      return true;
    } catch (err) {
      console.log(`  mesh link ${i} → ${j} failed (${message(err)}); skipped`);
      return false;
    }
  };
  for (let i = 1; i < n; i++) {
    await tryLink(i, i - 1);
    if (i >= 2) await tryLink(i, (i * 7) % (i - 1));
  }
  for (let cut = unreached(n, links); cut !== undefined; cut = unreached(n, links)) {
    let linked = false;
    for (const j of component(n, links)) {
      if (await tryLink(cut, j)) {
        linked = true;
        break;
      }
    }
    if (!linked)
      throw new MeshError(
        { code: 'MESH_NODE_CUT_OFF', node: cut },
        `node ${cut} could not be linked to the mesh`,
      );
  }
  return links;
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

export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
