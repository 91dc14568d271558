/**
 * Log levels at run time (the RPC `logging` and `loglevels`). The node's pino logger has a base
 * level; a category is the `module` a service logs under (`{"module":"mempool"}` in its lines)
 * and may have a level of its own. pino reports every child logger it creates (`onChild`, passed
 * to createLogger), so the control knows each service's logger and sets levels on it directly:
 * nothing runs per log line.
 *
 *   const control = new LogLevelControl({ level: 'info' });
 *   const logger = createLogger({ level: 'info', onChild: control.onChild });
 *   control.attach(logger);
 *   control.setCategory('mempool', 'debug');
 */
import type { Logger as PinoLogger } from 'pino';
import { LOG_LEVELS, type LogLevel } from './logLevels.js';

/** The categories services log under today; a `module` seen on a new child logger is added. */
export const LOG_CATEGORIES: readonly string[] = [
  'chain',
  'dashboard',
  'mempool',
  'metrics',
  'miner',
  'p2p',
  'proposer',
  'rpc',
  'training',
  'wallet',
];

export interface LogLevelControlOptions {
  /** The base level (the node's configured log.level). */
  readonly level: LogLevel;
}

/** Rank of a level: lower is more verbose. */
export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

export class LogLevelControl {
  private base: LogLevel;
  private root: PinoLogger | null = null;
  private readonly own = new Map<string, LogLevel>();
  /** Child loggers by category; weak, so a short-lived child is not kept alive. */
  private readonly children = new Map<string, Set<WeakRef<PinoLogger>>>();

  constructor(opts: LogLevelControlOptions) {
    this.base = opts.level;
    for (const c of LOG_CATEGORIES) this.children.set(c, new Set());
  }

  /** pino's `onChild` option: registers a child that carries a `module` binding. */
  readonly onChild = (child: PinoLogger): void => {
    const category = child.bindings().module;
    if (typeof category !== 'string') return;
    let set = this.children.get(category);
    if (!set) {
      set = new Set();
      this.children.set(category, set);
    }
    set.add(new WeakRef(child));
    child.level = this.levelOf(category);
  };

  /** The root logger whose level is the base level. */
  attach(root: PinoLogger): void {
    this.root = root;
    root.level = this.base;
  }

  get level(): LogLevel {
    return this.base;
  }

  /** Every category, sorted. */
  categories(): string[] {
    return [...this.children.keys()].sort();
  }

  has(category: string): boolean {
    return this.children.has(category);
  }

  /** A category's effective level: its own, else the base level. */
  levelOf(category: string): LogLevel {
    return this.own.get(category) ?? this.base;
  }

  /** Sets the base level; categories without a level of their own follow it. */
  setBase(level: LogLevel): void {
    this.base = level;
    if (this.root) this.root.level = level;
    for (const c of this.children.keys()) if (!this.own.has(c)) this.apply(c);
  }

  /** Gives `category` a level of its own, or (null) makes it follow the base level again. */
  setCategory(category: string, level: LogLevel | null): void {
    if (level === null) this.own.delete(category);
    else this.own.set(category, level);
    if (!this.children.has(category)) this.children.set(category, new Set());
    this.apply(category);
  }

  private apply(category: string): void {
    const set = this.children.get(category)!;
    const level = this.levelOf(category);
    for (const ref of set) {
      const child = ref.deref();
      if (child) child.level = level;
      else set.delete(ref);
    }
  }
}
