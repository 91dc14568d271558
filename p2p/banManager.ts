/**
 * Misbehaviour scores and bans. A peer's score is the sum of the penalties of its offences
 * (penalties.ts), decaying linearly with time; reaching the threshold bans it for `banDurationMs`.
 *
 * Two ban lists: peer ids, and subnets (an exact address /32 or /128, a netgroup /24 or /48, or
 * any subnet an operator bans). A peer id costs nothing to replace, so a peer banned for
 * misbehaviour also gets its addresses banned (`banAddresses`): the exact address and its
 * netgroup, so the same machine, or the attacker's next one in the same provider block, is refused
 * by the connection gater whatever key it brings. Addresses in an exempt subnet (loopback, a
 * devnet's LAN: many honest nodes share them) are never address-banned automatically; an
 * operator's explicit subnet ban applies to them all the same.
 *
 * Time comes from the injected clock (ms). Every map is bounded: the oldest score is dropped
 * first, and the ban that expires first when a ban list is full. `onChange` fires whenever a ban
 * list changes (bans are persisted by banStore.ts; expiry needs no write: a loaded ban that has
 * expired is dropped).
 */
import { type PenaltyCode, penaltyOf } from './penalties.js';
import {
  formatSubnet,
  hostSubnet,
  type IpAddress,
  netgroupOf,
  parseSubnet,
  type Subnet,
  subnetContains,
} from './subnet.js';

export interface BanEntry {
  readonly peerId: string;
  readonly reason: string;
  /** Clock ms when the ban was set. */
  readonly createdAt: number;
  /** Clock ms when the ban ends. */
  readonly until: number;
}

/** How long a ban lasts: a duration in ms from now, or an absolute end on the clock (ms). */
export type BanLength = number | { readonly untilMs: number };

function banEnd(now: number, length: BanLength): number {
  return typeof length === 'number' ? now + length : length.untilMs;
}

export interface SubnetBanEntry {
  /** Canonical subnet text (subnet.ts formatSubnet), e.g. `1.2.3.0/24`, `1.2.3.4/32`. */
  readonly subnet: string;
  readonly reason: string;
  readonly createdAt: number;
  readonly until: number;
}

/** Both ban lists, as persisted. */
export interface BanSnapshot {
  readonly peers: readonly BanEntry[];
  readonly subnets: readonly SubnetBanEntry[];
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
  /** Most bans kept in each list (peer ids, subnets). */
  readonly maxBans: number;
  /** Addresses never address-banned automatically (default none). */
  readonly exempt?: readonly Subnet[];
}

export interface BanManagerDeps {
  readonly clock: () => number;
  /** A ban list changed (ban, unban, clear, eviction). */
  readonly onChange?: () => void;
}

const HOUR_MS = 3_600_000;

interface ScoreRecord {
  score: number;
  updated: number;
}

/** Bans keyed by string, dropped lazily when they expire, the soonest-ending evicted when full. */
class BanList<E extends { readonly until: number }> {
  private readonly map = new Map<string, E>();

  constructor(
    private readonly max: number,
    private readonly clock: () => number,
    private readonly onExpire: (key: string) => void,
  ) {}

  set(key: string, entry: E): void {
    this.map.delete(key);
    this.map.set(key, entry);
    if (this.map.size > this.max) {
      let victim: string | undefined;
      let until = Number.POSITIVE_INFINITY;
      for (const [k, e] of this.map) {
        if (e.until < until) {
          victim = k;
          until = e.until;
        }
      }
      if (victim !== undefined) this.map.delete(victim);
    }
  }

  /** The active ban under `key`. */
  get(key: string): E | undefined {
    const e = this.map.get(key);
    if (e && e.until <= this.clock()) {
      this.expire(key);
      return undefined;
    }
    return e;
  }

  /** Removes a ban; true when it was active. */
  delete(key: string): boolean {
    const active = this.get(key) !== undefined;
    this.map.delete(key);
    return active;
  }

  /** Active bans with their keys, in insertion order. */
  *entries(): Generator<[string, E]> {
    const now = this.clock();
    for (const [k, e] of this.map) {
      if (e.until <= now) this.expire(k);
      else yield [k, e];
    }
  }

  clear(): void {
    this.map.clear();
  }

  private expire(key: string): void {
    this.map.delete(key);
    this.onExpire(key);
  }
}

interface SubnetBan extends SubnetBanEntry {
  readonly net: Subnet;
}

function byUntil(a: { until: number }, b: { until: number }): number {
  return a.until - b.until;
}

export class BanManager {
  private readonly scores = new Map<string, ScoreRecord>();
  private readonly peerBans: BanList<BanEntry>;
  private readonly subnetBans: BanList<SubnetBan>;
  private readonly exempt: readonly Subnet[];

  constructor(
    private readonly opts: BanManagerOptions,
    private readonly deps: BanManagerDeps,
  ) {
    this.exempt = opts.exempt ?? [];
    this.peerBans = new BanList(opts.maxBans, deps.clock, (peerId) => this.scores.delete(peerId));
    this.subnetBans = new BanList(opts.maxBans, deps.clock, () => {});
  }

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

  ban(peerId: string, length: BanLength = this.opts.banDurationMs, reason = 'manual'): BanEntry {
    const now = this.deps.clock();
    const entry: BanEntry = { peerId, reason, createdAt: now, until: banEnd(now, length) };
    this.peerBans.set(peerId, entry);
    this.changed();
    return entry;
  }

  /** Lifts a ban and clears the peer's score. Returns whether the peer was banned. */
  unban(peerId: string): boolean {
    this.scores.delete(peerId);
    const had = this.peerBans.delete(peerId);
    if (had) this.changed();
    return had;
  }

  isBanned(peerId: string): boolean {
    return this.peerBans.get(peerId) !== undefined;
  }

  /** The active ban of a peer id, if any. */
  peerBan(peerId: string): BanEntry | undefined {
    return this.peerBans.get(peerId);
  }

  /** Active peer-id bans, soonest to expire first. */
  listBanned(): BanEntry[] {
    return [...this.peerBans.entries()].map(([, e]) => e).sort(byUntil);
  }

  /** Bans a subnet (replacing a ban of the same subnet). */
  banSubnet(net: Subnet, length: BanLength = this.opts.banDurationMs, reason = 'manual'): SubnetBanEntry {
    const now = this.deps.clock();
    const entry = this.subnetEntry(net, reason, now, banEnd(now, length));
    this.subnetBans.set(entry.subnet, entry);
    this.changed();
    return publicEntry(entry);
  }

  /** Lifts the ban of exactly this subnet (not of subnets inside or around it). */
  unbanSubnet(net: Subnet): boolean {
    const had = this.subnetBans.delete(formatSubnet(net));
    if (had) this.changed();
    return had;
  }

  /** The active subnet ban that covers `ip` (the one ending last), if any. */
  addressBan(ip: IpAddress): SubnetBanEntry | undefined {
    let found: SubnetBan | undefined;
    for (const [, e] of this.subnetBans.entries()) {
      if (subnetContains(e.net, ip) && (!found || e.until > found.until)) found = e;
    }
    return found && publicEntry(found);
  }

  isAddressBanned(ip: IpAddress): boolean {
    return this.addressBan(ip) !== undefined;
  }

  /** True when `ip` is in an exempt subnet (no automatic address ban, no per-address cap). */
  isExempt(ip: IpAddress): boolean {
    return this.exempt.some((s) => subnetContains(s, ip));
  }

  /**
   * Bans the exact address and the netgroup of each non-exempt `ip` (a banned peer's connections)
   * until `until`. An existing ban of the same subnet that ends later is kept as it is.
   */
  banAddresses(ips: readonly IpAddress[], until: number, reason: string): SubnetBanEntry[] {
    const now = this.deps.clock();
    const added: SubnetBanEntry[] = [];
    for (const ip of ips) {
      if (this.isExempt(ip)) continue;
      for (const net of [hostSubnet(ip), netgroupOf(ip)]) {
        const key = formatSubnet(net);
        const old = this.subnetBans.get(key);
        if (old && old.until >= until) continue;
        const entry = this.subnetEntry(net, reason, now, until);
        this.subnetBans.set(key, entry);
        added.push(publicEntry(entry));
      }
    }
    if (added.length > 0) this.changed();
    return added;
  }

  /** Active subnet bans, soonest to expire first. */
  listBannedSubnets(): SubnetBanEntry[] {
    return [...this.subnetBans.entries()].map(([, e]) => publicEntry(e)).sort(byUntil);
  }

  snapshot(): BanSnapshot {
    return { peers: this.listBanned(), subnets: this.listBannedSubnets() };
  }

  /**
   * Adds persisted bans (already validated by the store); expired ones are skipped, and a ban
   * already held that ends later wins.
   */
  restore(s: BanSnapshot): void {
    const now = this.deps.clock();
    for (const e of s.peers) {
      const held = this.peerBans.get(e.peerId);
      if (e.until > now && (!held || held.until < e.until)) this.peerBans.set(e.peerId, { ...e });
    }
    for (const e of s.subnets) {
      const held = this.subnetBans.get(e.subnet);
      if (e.until > now && (!held || held.until < e.until)) {
        const entry = this.subnetEntry(parseSubnet(e.subnet), e.reason, e.createdAt, e.until);
        this.subnetBans.set(entry.subnet, entry);
      }
    }
  }

  /** Drops every ban and score (e.g. `clearbanned`). */
  clear(): void {
    this.peerBans.clear();
    this.subnetBans.clear();
    this.scores.clear();
    this.changed();
  }

  private subnetEntry(net: Subnet, reason: string, createdAt: number, until: number): SubnetBan {
    return { subnet: formatSubnet(net), net, reason, createdAt, until };
  }

  private changed(): void {
    this.deps.onChange?.();
  }

  private decayed(rec: ScoreRecord, now: number): number {
    const forgiven = Math.floor((Math.max(0, now - rec.updated) * this.opts.scoreDecayPerHour) / HOUR_MS);
    return Math.max(0, rec.score - forgiven);
  }
}

function publicEntry(e: SubnetBan): SubnetBanEntry {
  return { subnet: e.subnet, reason: e.reason, createdAt: e.createdAt, until: e.until };
}
