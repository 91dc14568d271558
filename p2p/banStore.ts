/**
 * Persistence of the ban lists (Bitcoin Core's banlist.json): peer-id and subnet bans survive a
 * restart, so a banned attacker is not let back in by restarting the node. One JSON file:
 *
 *   { "version": 1,
 *     "peers":   [{ "peerId", "reason", "createdAt", "until" }],
 *     "subnets": [{ "subnet", "reason", "createdAt", "until" }] }     (times: clock ms)
 *
 * Writes are coalesced (`schedule()` after each change, at most one write per `saveDelayMs`),
 * atomic (temporary file, then rename) and flushed by `flush()` at stop. A missing file is an
 * empty list. A file that is not a valid ban list is reported and replaced by the next write (as
 * Bitcoin Core does): a damaged list must not keep the node from starting. A file that cannot be
 * read at all (permissions) is an error: the operator has to fix it.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { BanEntry, BanSnapshot, SubnetBanEntry } from './banManager.js';
import { P2pError } from './errors.js';
import { parseSubnet } from './subnet.js';
import type { P2pLogger } from './types.js';

const FORMAT_VERSION = 1;

export interface BanStoreOptions {
  readonly file: string;
  /** Delay between a change and its write (changes in between share the write). */
  readonly saveDelayMs: number;
}

export interface BanStoreDeps {
  /** The lists to write. */
  readonly snapshot: () => BanSnapshot;
  readonly log: P2pLogger;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorCode(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err
    ? (err as { code: unknown }).code
    : undefined;
}

function isTime(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function record(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new TypeError(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function times(
  r: Record<string, unknown>,
  what: string,
): { reason: string; createdAt: number; until: number } {
  const { reason, createdAt, until } = r;
  if (typeof reason !== 'string' || !isTime(createdAt) || !isTime(until)) {
    throw new TypeError(`${what} needs a string reason and integer createdAt, until`);
  }
  return { reason, createdAt, until };
}

function list(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new TypeError(`${what} is not a list`);
  return v;
}

/** Checks a parsed file; throws TypeError (or P2pError for a bad subnet) naming what is wrong. */
export function decodeBanFile(raw: unknown): BanSnapshot {
  const top = record(raw, 'the file');
  if (top.version !== FORMAT_VERSION) throw new TypeError(`unknown version ${String(top.version)}`);
  const peers: BanEntry[] = list(top.peers, 'peers').map((v, i) => {
    const r = record(v, `peers[${i}]`);
    if (typeof r.peerId !== 'string' || r.peerId === '') throw new TypeError(`peers[${i}].peerId`);
    return { peerId: r.peerId, ...times(r, `peers[${i}]`) };
  });
  const subnets: SubnetBanEntry[] = list(top.subnets, 'subnets').map((v, i) => {
    const r = record(v, `subnets[${i}]`);
    if (typeof r.subnet !== 'string') throw new TypeError(`subnets[${i}].subnet`);
    parseSubnet(r.subnet);
    return { subnet: r.subnet, ...times(r, `subnets[${i}]`) };
  });
  return { peers, subnets };
}

export function encodeBanFile(s: BanSnapshot): string {
  return `${JSON.stringify({ version: FORMAT_VERSION, peers: s.peers, subnets: s.subnets }, null, 1)}\n`;
}

export class BanStore {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private dirty = false;
  /** The write in progress (writes never overlap). */
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly opts: BanStoreOptions,
    private readonly deps: BanStoreDeps,
  ) {}

  /** The persisted bans; null when there is no (valid) file. Throws P2P_BAN_FILE when unreadable. */
  async load(): Promise<BanSnapshot | null> {
    let text: string;
    try {
      text = await readFile(this.opts.file, 'utf8');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return null;
      throw new P2pError({ code: 'P2P_BAN_FILE', path: this.opts.file, detail: message(err) });
    }
    try {
      return decodeBanFile(JSON.parse(text));
    } catch (err) {
      this.deps.log.warn(
        { file: this.opts.file, err: message(err) },
        'ban list file is not a valid ban list; starting without it (it is rewritten at the next ban)',
      );
      return null;
    }
  }

  /** Writes the lists soon (changes until then share the write). */
  schedule(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.write();
    }, this.opts.saveDelayMs);
    this.timer.unref?.();
  }

  /** Writes pending changes now and waits for every write to finish. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.write();
  }

  private write(): Promise<void> {
    this.writing = this.writing.then(async () => {
      if (!this.dirty) return;
      this.dirty = false;
      const tmp = `${this.opts.file}.tmp`;
      try {
        await writeFile(tmp, encodeBanFile(this.deps.snapshot()));
        await rename(tmp, this.opts.file);
      } catch (err) {
        // Bans stay in force in memory; only their survival across a restart is at stake.
        const e = new P2pError({ code: 'P2P_BAN_FILE', path: this.opts.file, detail: message(err) });
        this.deps.log.warn({ err: e.message }, 'could not save the ban list');
      }
    });
    return this.writing;
  }
}
