/**
 * Watches every node's chain through its RPC WebSocket (`--rpc-ws`): a `blocks` subscription
 * (the node publishes each block it connects to its best chain, reorganisations included), then
 * the current tip. Each notification is stamped with this process's clock when it arrives, so a
 * block's connect times on the miner and on every other node are measured on one clock (the
 * lag of this process's event loop is the error bar; the netsim reports it).
 *
 * A node's timeline is a list of sessions (one per process run): from the subscription to the
 * socket closing, with the tip at the start and every block connected during it.
 *
 * A `blocks` notification also carries the node's own clock when it connected the block
 * (`connectedms`, sub-millisecond), kept beside this process's stamp (the block propagation bench
 * times with it: scripts/bench/procMesh.ts).
 *
 * The same socket subscribes to `gossipblocks` (the node publishes each new gossiped block as it
 * arrives, before validating it): an arrival is stamped with the node's own `receivedms`, not with
 * this process's clock. All nodes run on this one machine and read the same system clock as this
 * process, so arrivals and connects are on one clock too (a block relayed before validation
 * arrives before the node has scored it; its connect comes after).
 */

import { WebSocket } from 'ws';
import { basicAuthHeader } from '../../node/rpc/index.js';

export interface BlockSeen {
  /** ms since the epoch, this process's clock. */
  readonly t: number;
  readonly node: number;
  readonly hash: string;
  readonly height: number;
  /**
   * ms since the epoch, sub-millisecond: the node's own clock when it connected the block (the
   * topic's `connectedms`; absent from a node that does not send it).
   */
  readonly connectedMs?: number;
}

/** A gossiped block's arrival at a node (the node's `gossipblocks` notification). */
export interface BlockArrival {
  /** ms since the epoch: the node's clock when the message reached its gossip validator. */
  readonly t: number;
  readonly node: number;
  readonly hash: string;
}

export interface Session {
  readonly node: number;
  /** When the subscription and the first tip were in place. */
  readonly start: number;
  /** The tip when the session started. */
  readonly tip: { readonly hash: string; readonly height: number };
  /** When the socket closed (the node stopped), else null. */
  end: number | null;
}

export interface ObserverOptions {
  readonly nodes: ReadonlyArray<{ readonly index: number; readonly rpcPort: number }>;
  readonly user: string;
  readonly password: string;
  /** Wait between reconnection attempts. Default 500 ms. */
  readonly retryMs?: number;
}

interface Watch {
  socket: WebSocket | null;
  session: Session | null;
  timer: ReturnType<typeof setTimeout> | null;
  tip: { hash: string; height: number } | null;
}

export class ChainObserver {
  readonly blocks: BlockSeen[] = [];
  readonly arrivals: BlockArrival[] = [];
  readonly sessions: Session[] = [];
  private readonly watches = new Map<number, Watch>();
  private readonly ports: Map<number, number>;
  private readonly auth: string;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly opts: ObserverOptions) {
    this.ports = new Map(opts.nodes.map((n) => [n.index, n.rpcPort]));
    this.auth = basicAuthHeader({ user: opts.user, password: opts.password });
  }

  /** Keeps (re)connecting to node `index` until `unwatch`. */
  watch(index: number): void {
    if (this.watches.has(index)) return;
    const w: Watch = { socket: null, session: null, timer: null, tip: null };
    this.watches.set(index, w);
    this.connect(index, w);
  }

  /**
   * Node `index` listens for RPC on another port now (it was started again on fresh ports): the
   * next connection goes there. The one to the old port is dropped: it may be to whatever took it.
   */
  setRpcPort(index: number, rpcPort: number): void {
    this.ports.set(index, rpcPort);
    this.watches.get(index)?.socket?.terminate();
  }

  /** Stops watching; an open session ends now. */
  unwatch(index: number): void {
    const w = this.watches.get(index);
    if (!w) return;
    this.watches.delete(index);
    if (w.timer) clearTimeout(w.timer);
    this.endSession(w);
    w.socket?.terminate();
  }

  close(): void {
    for (const i of [...this.watches.keys()]) this.unwatch(i);
  }

  /** The node's tip while a session is open, else null. */
  tip(index: number): { hash: string; height: number } | null {
    const w = this.watches.get(index);
    return w?.session ? w.tip : null;
  }

  /** Calls `fn` after every change (a block seen, a session opened or closed). */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves when `pred()` holds (checked after each change and every 250 ms), or rejects after `timeoutMs`. */
  waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (pred()) return resolve();
      const check = () => {
        if (!pred()) return;
        cleanup();
        resolve();
      };
      const poll = setInterval(check, 250);
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const off = this.onChange(check);
      const cleanup = () => {
        off();
        clearInterval(poll);
        clearTimeout(timer);
      };
    });
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  private connect(index: number, w: Watch): void {
    if (this.watches.get(index) !== w) return;
    const ws = new WebSocket(`ws://127.0.0.1:${this.ports.get(index)}/ws`, {
      headers: { authorization: this.auth },
    });
    w.socket = ws;
    ws.on('open', () => {
      ws.send(
        JSON.stringify([
          { jsonrpc: '2.0', id: 'sub', method: 'subscribe', params: ['blocks'] },
          { jsonrpc: '2.0', id: 'gossip', method: 'subscribe', params: ['gossipblocks'] },
          { jsonrpc: '2.0', id: 'hash', method: 'getbestblockhash', params: [] },
          { jsonrpc: '2.0', id: 'height', method: 'getblockcount', params: [] },
        ]),
      );
    });
    ws.on('message', (data) => this.onMessage(index, w, String(data)));
    ws.on('error', () => {});
    ws.on('close', () => {
      if (w.socket !== ws) return;
      w.socket = null;
      this.endSession(w);
      if (this.watches.get(index) === w) {
        w.timer = setTimeout(() => {
          w.timer = null;
          this.connect(index, w);
        }, this.opts.retryMs ?? 500);
      }
    });
  }

  private onMessage(index: number, w: Watch, text: string): void {
    const t = Date.now();
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return;
    }
    if (Array.isArray(msg)) {
      // The batch answer: subscribed, then the tip at that moment (blocks published before it
      // were sent first, so this tip is at least as new as any of them).
      const byId = new Map(msg.map((r: { id?: string; result?: unknown }) => [r.id, r.result]));
      const hash = byId.get('hash');
      const height = byId.get('height');
      if (byId.get('sub') !== true || typeof hash !== 'string' || typeof height !== 'number') {
        // not (yet) a session (e.g. an error answer): open a new socket rather than wait on this one
        w.socket?.terminate();
        return;
      }
      w.tip = { hash, height };
      w.session = { node: index, start: t, tip: { hash, height }, end: null };
      this.sessions.push(w.session);
      this.changed();
      return;
    }
    const m = msg as {
      method?: string;
      params?: {
        topic?: string;
        result?: { hash?: unknown; height?: unknown; receivedms?: unknown; connectedms?: unknown };
      };
    };
    if (m.method !== 'subscription') return;
    if (m.params?.topic === 'gossipblocks') {
      const g = m.params.result;
      if (typeof g?.hash !== 'string' || typeof g.receivedms !== 'number') return;
      this.arrivals.push({ t: g.receivedms, node: index, hash: g.hash });
      return;
    }
    if (m.params?.topic !== 'blocks') return;
    const r = m.params.result;
    if (typeof r?.hash !== 'string' || typeof r.height !== 'number') return;
    const seen = { t, node: index, hash: r.hash, height: r.height };
    this.blocks.push(typeof r.connectedms === 'number' ? { ...seen, connectedMs: r.connectedms } : seen);
    if (w.session) w.tip = { hash: r.hash, height: r.height };
    this.changed();
  }

  private endSession(w: Watch): void {
    if (w.session && w.session.end === null) {
      w.session.end = Date.now();
      this.changed();
    }
    w.session = null;
    w.tip = null;
  }
}
