/**
 * Logging. Library code depends on the small `Logger` interface below (so it can be handed a
 * child logger, or `silentLogger` in tests); the composition root creates the real one with
 * `createLogger()`, which returns a pino logger writing JSON lines (or, with `pretty`, one short
 * human-readable line per record).
 */
import { pino } from 'pino';
import { NodeError } from './errors.js';
import type { LogLevel } from './logLevels.js';

export { LOG_LEVELS, type LogLevel } from './logLevels.js';

/** One log method: a message, or structured fields followed by an optional message. */
export interface LogFn {
  (msg: string): void;
  (fields: object, msg?: string): void;
}

/** The logging interface library code may use (pino's Logger satisfies it). */
export interface Logger {
  trace: LogFn;
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  fatal: LogFn;
  /**
   * A logger that adds `bindings` to every record. A service names itself (`{ module: 'chain' }`)
   * on the logger it is handed, so whoever constructs it passes its own logger unchanged: pino
   * writes every binding of every level of children, and two `module` keys in one JSON line are
   * rejected by log stores such as Elasticsearch.
   */
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level: LogLevel;
  /** One readable line per record instead of JSON. */
  pretty?: boolean;
  /** Where records go; default standard output. */
  destination?: pino.DestinationStream;
  /** Fields added to every record. */
  base?: Record<string, unknown>;
  /** Called with every child logger created (LogLevelControl.onChild: run-time levels per module). */
  onChild?: (child: pino.Logger) => void;
}

/**
 * Where log lines go: standard output, or a file (`log.file`) that `reopen()` opens again by name
 * (SIGHUP, after logrotate moved it away), as bitcoind reopens debug.log.
 */
export interface LogDestination {
  readonly stream: pino.DestinationStream;
  /** The log file, when logging to one. */
  readonly file: string | undefined;
  /** Opens the log file again by its name; no-op on standard output. */
  reopen(): void;
}

/** Opens `file` for appending (creating its folder), or wraps `output` (default standard output). */
export function openLogDestination(opts: {
  file?: string | undefined;
  output?: pino.DestinationStream;
}): LogDestination {
  if (opts.file === undefined) {
    return {
      stream: opts.output ?? pino.destination({ fd: 1, sync: true }),
      file: undefined,
      reopen: () => {},
    };
  }
  const file = opts.file;
  let boom: ReturnType<typeof pino.destination>;
  try {
    // Synchronous writes: a line logged just before the process exits is on disk.
    boom = pino.destination({ dest: file, sync: true, mkdir: true, append: true });
  } catch (e) {
    throw new NodeError({ code: 'NODE_LOG_FILE', file, reason: e instanceof Error ? e.message : String(e) });
  }
  return { stream: boom, file, reopen: () => boom.reopen() };
}

export function createLogger(opts: LoggerOptions): pino.Logger {
  const out: pino.DestinationStream = opts.destination ?? pino.destination({ fd: 1, sync: true });
  return pino(
    {
      level: opts.level,
      base: opts.base ?? null,
      timestamp: pino.stdTimeFunctions.isoTime,
      ...(opts.onChild ? { onChild: opts.onChild } : {}),
    },
    opts.pretty === true ? prettyDestination(out) : out,
  );
}

const noop = (): void => {};

/** Discards everything; for tests and tools that must stay quiet. */
export const silentLogger: Logger = {
  trace: noop,
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  fatal: noop,
  child: () => silentLogger,
};

const LEVEL_LABELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};

/**
 * Rewrites pino's JSON lines as `12:34:56.789 INFO  [chain] message key=value ...`.
 * Exported for tests; pino-pretty is not a dependency.
 */
export function prettyDestination(out: pino.DestinationStream): pino.DestinationStream {
  return {
    write(line: string): void {
      out.write(formatPrettyLine(line));
    },
  };
}

export function formatPrettyLine(line: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const { time, level, msg, module, err, ...rest } = rec;
  const clock = typeof time === 'string' ? time.slice(11, 23) : '';
  const label = typeof level === 'number' ? (LEVEL_LABELS[level] ?? String(level)) : String(level);
  const parts = [clock, label];
  if (module !== undefined) parts.push(`[${String(module)}]`);
  if (msg !== undefined) parts.push(String(msg));
  for (const [k, v] of Object.entries(rest))
    parts.push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
  let text = parts.join(' ');
  if (err !== null && typeof err === 'object') {
    const e = err as { message?: unknown; stack?: unknown };
    text += `\n  ${typeof e.stack === 'string' ? e.stack : String(e.message)}`;
  }
  return `${text}\n`;
}
