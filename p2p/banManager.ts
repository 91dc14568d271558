/**
 * Misbehaviour scores and bans, keyed by peer id. A peer's score is the sum of the penalties of
 * its offences (penalties.ts), decaying linearly with time; reaching the threshold bans it for
 * `banDurationMs`. Time comes from the injected clock (ms). Both maps are bounded: the oldest
 * score is dropped first, and the ban that expires first when the ban list is full.
 */
import { type PenaltyCode, penaltyOf } from './penalties.js';

export interface BanEntry {
  readonly peerId: string;
  readonly reason: string;
  /** Clock ms when the ban was set. */
  readonly createdAt: number;
  /** Clock ms when the ban ends. */
  readonly until: number;
}

export interface ScoreChange {
  readonly peerId: string;
  readonly code: PenaltyCode;
  readonly penalty: number;
  /** Score after the penalty. */
  readonly score: number;
  /** True when this offence banned the peer. */
  readonly banned: boolean;
}

export interface BanManagerOptions {
  /** Score at which a peer is banned. */
  readonly banThreshold: number;
  readonly banDurationMs: number;
  /** Score points forgiven per hour of good behaviour. */
  readonly scoreDecayPerHour: number;
  /** Most peers whose score is remembered. */
  readonly maxTrackedPeers: number;
  /** Most bans kept. */
  readonly maxBans: number;
}

interface ScoreRecord {
  score: number;
  updated: number;
}

const HOUR_MS = 3_600_000;

export class BanManager {
  private readonly scores = new Map<string, ScoreRecord>();
  private readonly bans = new Map<string, BanEntry>();

  constructor(
    private readonly opts: BanManagerOptions,
    private readonly deps: { readonly clock: () => number },
  ) {}

  /** Current (decayed) score of a peer; 0 for an unknown peer. */
  score(peerId: string): number {
    const rec = this.scores.get(peerId);
    if (!rec) return 0;
    return this.decayed(rec, this.deps.clock());
  }

  /** Adds the penalty of `code` to the peer's score; bans it when the threshold is reached. */
  misbehave(peerId: string, code: PenaltyCode, detail?: string): ScoreChange {
    const penalty = penaltyOf(code);
    const now = this.deps.clock();
    const rec = this.scores.get(peerId);
    const before = rec ? this.decayed(rec, now) : 0;
    const score = before + penalty;
    this.scores.delete(peerId);
    this.scores.set(peerId, { score, updated: now });
    while (this.scores.size > this.opts.maxTrackedPeers) {
      const oldest = this.scores.keys().next().value;
      if (oldest === undefined) break;
      this.scores.delete(oldest);
    }
    let banned = false;
    if (penalty > 0 && score >= this.opts.banThreshold && !this.isBanned(peerId)) {
      this.ban(peerId, this.opts.banDurationMs, detail ? `${code}: ${detail}` : code);
      banned = true;
    }
    return { peerId, code, penalty, score, banned };
  }

  ban(peerId: string, durationMs: number = this.opts.banDurationMs, reason = 'manual'): BanEntry {
    const now = this.deps.clock();
    const entry: BanEntry = { peerId, reason, createdAt: now, until: now + durationMs };
    this.bans.delete(peerId);
    this.bans.set(peerId, entry);
    if (this.bans.size > this.opts.maxBans) this.evictBan();
    return entry;
  }

  /** Lifts a ban and clears the peer's score. Returns whether the peer was banned. */
  unban(peerId: string): boolean {
    this.scores.delete(peerId);
    const had = this.isBanned(peerId);
    this.bans.delete(peerId);
    return had;
  }

  isBanned(peerId: string): boolean {
    const entry = this.bans.get(peerId);
    if (!entry) return false;
    if (entry.until <= this.deps.clock()) {
      this.bans.delete(peerId);
      this.scores.delete(peerId);
      return false;
    }
    return true;
  }

  /** Active bans, soonest to expire first. */
  listBanned(): BanEntry[] {
    const now = this.deps.clock();
    const out: BanEntry[] = [];
    for (const [id, e] of this.bans) {
      if (e.until <= now) {
        this.bans.delete(id);
        this.scores.delete(id);
      } else out.push(e);
    }
    return out.sort((a, b) => a.until - b.until);
  }

  /** Drops every ban and score (e.g. `clearbanned`). */
  clear(): void {
    this.bans.clear();
    this.scores.clear();
  }

  private decayed(rec: ScoreRecord, now: number): number {
    const forgiven = Math.floor((Math.max(0, now - rec.updated) * this.opts.scoreDecayPerHour) / HOUR_MS);
    return Math.max(0, rec.score - forgiven);
  }

  private evictBan(): void {
    let victim: BanEntry | undefined;
    for (const e of this.bans.values()) if (!victim || e.until < victim.until) victim = e;
    if (victim) this.bans.delete(victim.peerId);
  }
}
