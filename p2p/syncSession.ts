/**
 * One sync session with one peer, headers first:
 *   1. ask for headers after our block locator (the client checks they link to it and to each
 *      other); check their proof of work and sum the most weight their branch can carry;
 *   2. while that branch cannot become our best chain (branchPolicy.ts) and the peer has more,
 *      keep collecting headers (at most `maxSyncHeaders`) before fetching a single block;
 *   3. fetch the blocks we do not have in batches, from the peer and from helpers (other peers
 *      that claim more weight than our chain), into the node's processBlocks in chain order;
 *   4. repeat until the peer has sent its whole chain; then re-read its status: the session ends
 *      caught up when our chain is at least as heavy, held when the peer's tip is a block we
 *      store (still being connected) with the weight it claims, or with the peer's claim
 *      unproven when the chain it served does not carry it.
 * The session judges nothing itself: it ends with a typed SessionEnd, and the syncer decides what
 * that costs the peer.
 */
import type { PeerId } from '@libp2p/interface';
import {
  type BlockHeader,
  checkHeaderSanity,
  equalBytes,
  type Hash,
  headerHash,
  VerdictError,
} from '../consensus/index.js';
import { type BranchBound, type BranchRefusal, boundAt, extendBound, refuseBranch } from './branchPolicy.js';
import type { FetchedBlock, P2pClient } from './client.js';
import { MAX_LOCATOR, type PeerStatus } from './codec.js';
import { P2pError } from './errors.js';
import type { ResolvedP2pOptions } from './options.js';
import { judgeError, type PenaltyCode } from './penalties.js';
import type { BlockProcessStatus, P2pChain, P2pLogger, SyncProgress } from './types.js';

/**
 * How often a session asks a peer again whose tip moved while it served nothing new (an honest
 * race on a busy network) before charging it 'unproven-weight'.
 */
const MAX_TIP_RECHECKS = 3;

/**
 * How long a helper gets to answer a blocks request (the session's peer gets requestTimeoutMs):
 * batches are imported in order, so a helper that stalls holds the whole download up; one that is
 * this slow is dropped for the session and its batch asked of the session's peer.
 */
const HELPER_TIMEOUT_MS = 3000;

/** `p`, or a rejection with `timeout()` after `ms` (the timer does not keep the process alive). */
function withDeadline<T>(p: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), ms);
    timer.unref?.();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Most consecutive 'rate-limited' answers a session waits out for one request. */
const MAX_BACKOFFS = 30;

/** Why a session ended. */
export type SessionEnd =
  /** Our chain is at least as heavy as the peer's status (re-read at the end). */
  | { readonly outcome: 'caught-up' }
  /**
   * The peer's tip is a block we store with at least the weight it claims, not yet our tip: another
   * import (gossip, another session) is connecting it. Its claim is proven.
   */
  | { readonly outcome: 'held' }
  | { readonly outcome: 'stopped' }
  /** The peer did not deliver what it was asked for. */
  | { readonly outcome: 'stalled'; readonly detail: string }
  /** The whole chain the peer serves after our locator cannot become our best chain. */
  | { readonly outcome: 'light-branch'; readonly refusal: BranchRefusal }
  /** The chain the peer served is stored and still lighter than the weight it claims. */
  | { readonly outcome: 'unproven'; readonly detail: string }
  /** The peer broke the protocol or served an invalid block. */
  | {
      readonly outcome: 'misbehaved';
      readonly code: PenaltyCode;
      readonly detail: string;
      /** The protocol error code or the consensus reason. */
      readonly error: string;
    }
  /** The peer's branch has not shown it can win within `maxSyncHeaders` headers. */
  | { readonly outcome: 'too-long'; readonly detail: string }
  /** Anything else (a transport failure, our own error): nobody to blame. */
  | { readonly outcome: 'failed'; readonly error: string };

export interface SessionContext {
  readonly chain: P2pChain;
  readonly client: P2pClient;
  readonly opts: ResolvedP2pOptions;
  readonly clock: () => number;
  readonly log: P2pLogger;
  /** Aborted when the syncer stops. */
  readonly signal: AbortSignal;
  readonly ourStatus: () => PeerStatus;
  readonly setStatus: (status: PeerStatus) => void;
  /**
   * Hands downloaded consecutive blocks to the chain (P2pChain.processBlocks); `from`: the helper
   * that served them (default: the session's peer).
   */
  readonly importBlocks: (
    fs: readonly FetchedBlock[],
    from?: string,
  ) => Promise<readonly BlockProcessStatus[]>;
  /**
   * Other peers that may serve this session's blocks (they claim more weight than our chain), in
   * order of preference; none when absent.
   */
  readonly helpers?: () => ReadonlyArray<{ readonly peerId: string; readonly id: PeerId }>;
  /**
   * A helper was dropped from the session because it stalled (a request failed or timed out) or
   * misbehaved (an invalid answer or block, with its penalty); the session goes on without it.
   */
  readonly onHelperFault?: (
    peerId: string,
    fault:
      | { readonly kind: 'stalled'; readonly detail: string }
      | ({ readonly kind: 'misbehaved' } & Penalty),
  ) => void;
  readonly onProgress: (p: SyncProgress) => void;
}

/** What a misbehaving helper is charged with. */
interface Penalty {
  readonly code: PenaltyCode;
  readonly detail: string;
}

/** A peer blocks are asked of: the session's own, or a helper. */
interface Source {
  readonly peerId: string;
  readonly id: PeerId;
  readonly main: boolean;
}

/** A blocks request in flight. */
interface Request {
  readonly batch: readonly Hash[];
  readonly source: Source;
  readonly p: Promise<FetchedBlock[]>;
}

/** Headers collected from the peer, before any block is fetched. */
type HeaderRun =
  | {
      readonly kind: 'fetch';
      /** The peer's branch so far (its `wanted` blocks to fetch); null when it sent no header. */
      readonly branch: Branch | null;
      /** The peer sent a full batch: more headers may follow. */
      readonly more: boolean;
    }
  | { readonly kind: 'end'; readonly end: SessionEnd };

/** The branch a session's headers describe so far. */
interface Branch {
  bound: BranchBound;
  /** Hashes of its blocks we do not have, in chain order. */
  readonly wanted: Hash[];
  /** Hash of its last header (the parent of the next one). */
  last: Hash;
  /** Height of that header. */
  height: number;
}

export class SyncSession {
  private readonly start: number;
  /** Blocks processed in this session. */
  blocks = 0;
  /** Height of the highest header the peer has proven (work checked) on a branch worth fetching. */
  private provenHeight = 0;

  private readonly peerId: string;
  private readonly id: PeerId;
  /** Helpers that failed this session once: not asked again in it. */
  private readonly dropped = new Set<string>();
  /** The tip the peer's status claimed when the session started (null: not known). */
  private readonly claimedTip: Hash | null;

  constructor(
    peer: { readonly peerId: string; readonly id: PeerId; readonly claimedTip?: Hash | null },
    private readonly ctx: SessionContext,
  ) {
    this.peerId = peer.peerId;
    this.id = peer.id;
    this.claimedTip = peer.claimedTip ?? null;
    this.start = ctx.clock();
  }

  async run(): Promise<SessionEnd> {
    try {
      return await this.download();
    } catch (err) {
      return this.failure(err);
    }
  }

  private async download(): Promise<SessionEnd> {
    const { chain, client } = this.ctx;
    let branch: Branch | null = null;
    // the tip the peer claimed when it was last asked, and how often a moved tip was asked again
    let lastTip: Hash | null = this.claimedTip;
    let rechecks = 0;
    for (;;) {
      if (this.ctx.signal.aborted) return { outcome: 'stopped' };
      const run = await this.collectHeaders(branch);
      if (run.kind === 'end') return run.end;
      branch = run.branch;
      const wanted = branch ? branch.wanted.splice(0) : [];
      if (branch && wanted.length > 0) {
        // headers proved this much of a branch that may outweigh ours: report the target before
        // its blocks arrive (a peer's announced height alone is never reported)
        this.provenHeight = Math.max(this.provenHeight, branch.height);
        this.progress();
      }
      const stop = await this.fetchBlocks(wanted);
      if (stop) return stop;
      if (run.more) continue;
      // The peer has sent its whole chain: does it carry the weight it claims?
      const status = await this.patient(() => client.status(this.id, this.ctx.ourStatus()));
      this.ctx.setStatus(status);
      const ours = chain.tipSummary().weight;
      if (ours >= status.weight) return { outcome: 'caught-up' };
      // A block is in our index before it becomes our tip (its connect is still running): a peer
      // that claims such a block has proven its weight.
      const held = chain.blockPlace(status.bestHash);
      if (held && !held.invalid && held.weight >= status.weight) return { outcome: 'held' };
      if (wanted.length === 0) {
        // Nothing new was served, yet it claims more. On a busy network an honest peer's tip often
        // moves between its headers answer and this status (a block found or received meanwhile):
        // if its tip is not the one it claimed before, ask again, a bounded number of times.
        const movedOn = lastTip !== null && !equalBytes(lastTip, status.bestHash);
        lastTip = status.bestHash;
        if (movedOn && rechecks < MAX_TIP_RECHECKS) {
          rechecks++;
          continue;
        }
        return {
          outcome: 'unproven',
          detail: `claims weight ${status.weight}; the chain it serves leaves us at ${ours}`,
        };
      }
      lastTip = status.bestHash;
      // It served blocks and claims still more: it may have moved on meanwhile, so ask again.
    }
  }

  /** Our best chain's locator, leaving room for one more hash. */
  private locator(): Hash[] {
    const loc = this.ctx.chain.getLocator();
    if (loc.length < MAX_LOCATOR) return loc;
    return [...loc.slice(0, MAX_LOCATOR - 2), loc[loc.length - 1]!];
  }

  /**
   * Headers of the peer's chain, after `branch` (null: after our locator), until there are blocks
   * to fetch on a branch that may become our best chain, the peer has no more, or
   * `maxSyncHeaders` were collected.
   */
  private async collectHeaders(branch: Branch | null): Promise<HeaderRun> {
    const { chain, client, opts } = this.ctx;
    // Blocks of the branch we have stored count at their verified weight, from where they now are.
    const stored = branch ? chain.blockPlace(branch.last) : undefined;
    if (branch && stored) branch.bound = boundAt(stored);
    let collected = 0;
    for (;;) {
      // After a batch, ask for the headers after its last one; the rest of the locator lets a
      // peer whose chain changed meanwhile answer from our chain instead.
      const locator: Hash[] = branch ? [branch.last, ...this.locator()] : this.locator();
      const headers: BlockHeader[] = await this.patient(() =>
        client.headers(this.id, locator, opts.headersPerRequest),
      );
      const more = headers.length === opts.headersPerRequest;
      if (headers.length > 0) {
        if (!branch || !equalBytes(headers[0]!.prevHash, branch.last)) {
          // The first batch, or the peer's chain changed: a branch from one of our locator's
          // blocks, which are stored (they are our best chain's).
          const parent = chain.blockPlace(headers[0]!.prevHash)!;
          branch = { bound: boundAt(parent), wanted: [], last: headers[0]!.prevHash, height: parent.height };
        }
        this.addHeaders(branch, headers);
        collected += headers.length;
      }
      if (!branch) return { kind: 'fetch', branch, more: false };
      const refusal = refuseBranch(branch.bound, chain.tipSummary(), chain.params);
      // A full batch of headers we all have is no reason to stop: the new ones may follow.
      if (!refusal && (branch.wanted.length > 0 || !more)) return { kind: 'fetch', branch, more };
      if (refusal && !more) return { kind: 'end', end: { outcome: 'light-branch', refusal } };
      if (collected >= opts.maxSyncHeaders) {
        const why = refusal ? refusal.detail : 'all of them stored already';
        return { kind: 'end', end: { outcome: 'too-long', detail: `${collected} headers, ${why}` } };
      }
    }
  }

  /** Checks each header's proof of work and adds it to `branch`. */
  private addHeaders(branch: Branch, headers: readonly BlockHeader[]): void {
    const { chain } = this.ctx;
    for (const h of headers) {
      const hash = headerHash(h);
      checkHeaderSanity(h, hash, chain.params);
      if (!chain.blockPlace(hash)) branch.wanted.push(hash);
      branch.last = hash;
      branch.height++;
    }
    branch.bound = extendBound(branch.bound, headers, chain.params);
  }

  /**
   * Fetches the blocks of `wanted` we still lack (another session may be storing some), in chain
   * order; returns why the session must end, or null when all were processed. Download and import
   * overlap, and the download is spread over several peers: consecutive batches are asked in turn
   * of the session's peer and of up to `downloadPeers − 1` helpers (SessionContext.helpers, looked up again before each
   * request while fewer are at work, so that peers connected meanwhile join), with
   * at most one request per peer in flight (two when the session's peer is alone), and imported
   * in chain order as they arrive. The session's peer answers as before (serving none is a
   * stall). A helper is only asked, never relied on: one that fails a request, serves none or
   * sends a block that fails its checks is dropped for the rest of the session (charged through
   * `onHelperFault` when its answer or block was invalid), and what it did not deliver is asked
   * of the session's peer.
   */
  private async fetchBlocks(wanted: readonly Hash[]): Promise<SessionEnd | null> {
    const { chain, opts } = this.ctx;
    const main: Source = { peerId: this.peerId, id: this.id, main: true };
    let helpers: Source[] = [];
    /** Takes on helpers up to downloadPeers − 1 (peers come and go while a long download runs). */
    const recruit = (): void => {
      if (helpers.length >= opts.downloadPeers - 1) return;
      for (const h of this.ctx.helpers?.() ?? []) {
        if (h.peerId === this.peerId || this.dropped.has(h.peerId)) continue;
        if (helpers.some((x) => x.peerId === h.peerId)) continue;
        helpers.push({ peerId: h.peerId, id: h.id, main: false });
        if (helpers.length >= opts.downloadPeers - 1) return;
      }
    };
    const queue: Request[] = [];
    let next = 0;
    let turn = 0;
    const fill = (): void => {
      recruit();
      const sources = [main, ...helpers];
      const window = Math.max(2, sources.length);
      while (queue.length < window) {
        while (next < wanted.length && chain.blockPlace(wanted[next]!)) next++;
        if (next >= wanted.length) return;
        const batch = wanted.slice(next, next + opts.blocksPerRequest);
        next += batch.length;
        queue.push(this.request(batch, sources[turn++ % sources.length]!));
      }
    };
    /** Asks the session's peer, first in line, for what a batch's server did not deliver. */
    const fallBack = (batch: readonly Hash[]): void => {
      const left = batch.filter((h) => !chain.blockPlace(h));
      if (left.length > 0) queue.unshift(this.request(left, main));
    };
    /** Drops a helper; `end` (how its request or import failed) says what it is charged with. */
    const drop = (helper: Source, end?: SessionEnd): void => {
      helpers = helpers.filter((h) => h !== helper);
      this.dropped.add(helper.peerId);
      if (end?.outcome === 'misbehaved')
        this.ctx.onHelperFault?.(helper.peerId, { kind: 'misbehaved', code: end.code, detail: end.detail });
      else if (end?.outcome === 'stalled')
        this.ctx.onHelperFault?.(helper.peerId, { kind: 'stalled', detail: end.detail });
    };
    for (;;) {
      if (this.ctx.signal.aborted) return { outcome: 'stopped' };
      fill();
      const head = queue.shift();
      if (!head) return null;
      const { batch, source } = head;
      let fetched: FetchedBlock[];
      try {
        fetched = await head.p;
      } catch (err) {
        if (source.main) throw err;
        drop(source, this.failure(err));
        fallBack(batch);
        continue;
      }
      // The peer may skip blocks or stop at its byte budget: import what it served in order from
      // the batch's start; the rest is asked again.
      let served = 0;
      while (served < fetched.length && equalBytes(fetched[served]!.hash, batch[served]!)) served++;
      if (served === 0) {
        if (source.main) {
          return {
            outcome: 'stalled',
            detail: `served none of ${batch.length} blocks whose headers it had sent`,
          };
        }
        drop(source);
        fallBack(batch);
        continue;
      }
      let statuses: readonly BlockProcessStatus[];
      try {
        statuses = await this.ctx.importBlocks(
          fetched.slice(0, served),
          source.main ? undefined : source.peerId,
        );
      } catch (err) {
        if (source.main) throw err;
        // A helper's block failed its checks: the helper served it (the chain now knows the block
        // if it is invalid whoever serves it, and the session's peer is charged when it serves it).
        drop(source, this.failure(err));
        fallBack(batch);
        continue;
      }
      if (statuses.includes('orphan')) return { outcome: 'failed', error: 'downloaded block is an orphan' };
      if (served < batch.length) {
        if (!source.main) drop(source);
        fallBack(batch.slice(served));
      }
      this.blocks += served;
      this.progress();
    }
  }

  /** A blocks request to `source` (the session's peer's waits out 'rate-limited' answers). */
  private request(batch: readonly Hash[], source: Source): Request {
    const { client } = this.ctx;
    const p = source.main
      ? this.patient(() => client.blocks(source.id, batch))
      : withDeadline(client.blocks(source.id, batch), HELPER_TIMEOUT_MS, () => {
          return new P2pError({ code: 'P2P_REQUEST_TIMEOUT', protocol: 'blocks', peer: source.peerId });
        });
    // A request still open when the session ends (or an import fails) settles unobserved.
    p.catch(() => {});
    return { batch, source, p };
  }

  private progress(): void {
    const tip = this.ctx.chain.tipSummary();
    const secs = Math.max(1, this.ctx.clock() - this.start) / 1000;
    this.ctx.onProgress({
      peerId: this.peerId,
      height: tip.height,
      targetHeight: Math.max(tip.height, this.provenHeight),
      blocks: this.blocks,
      blocksPerSecond: this.blocks / secs,
    });
  }

  /** Runs a request, waiting and asking again while the peer answers 'rate-limited'. */
  private async patient<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const limited =
          err instanceof P2pError &&
          err.type.code === 'P2P_REMOTE_ERROR' &&
          err.type.status === 'rate-limited';
        if (!limited || attempt >= MAX_BACKOFFS || this.ctx.signal.aborted) throw err;
        await this.backoff();
      }
    }
  }

  private backoff(): Promise<void> {
    const signal = this.ctx.signal;
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, this.ctx.opts.rateLimitBackoffMs);
      signal.addEventListener('abort', done);
    });
  }

  /** What a thrown error means for the session. */
  private failure(err: unknown): SessionEnd {
    if (err instanceof P2pError) {
      const t = err.type;
      if (t.code === 'P2P_BAD_RESPONSE')
        return { outcome: 'misbehaved', code: t.offence, detail: t.detail, error: t.code };
      if (t.code === 'P2P_REQUEST_TIMEOUT') return { outcome: 'stalled', detail: `${t.protocol} timed out` };
      // patient() gives up on a peer that refuses service for MAX_BACKOFFS requests in a row.
      if (t.code === 'P2P_REMOTE_ERROR' && t.status === 'rate-limited')
        return { outcome: 'stalled', detail: `${t.protocol}: rate-limited ${MAX_BACKOFFS} times in a row` };
      return { outcome: 'failed', error: t.code };
    }
    const j = judgeError(err, null);
    if (j.verdict === 'reject')
      return { outcome: 'misbehaved', code: j.code, detail: `sync: ${j.reason}`, error: j.reason };
    if (err instanceof VerdictError) return { outcome: 'failed', error: err.reason };
    this.ctx.log.warn({ peerId: this.peerId, err }, 'sync session failed');
    return { outcome: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
}
