/**
 * Logging. Library code depends on the small `Logger` interface below (so it can be handed a
 * child logger, or `silentLogger` in tests); the composition root creates the real one with
 * `createLogger()`, which returns a pino logger writing JSON lines (or, with `pretty`, one short
 * human-readable line per record).
 */
import { pino } from 'pino';

/** Log levels, most verbose first. `silent` turns logging off. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
  /** A logger that adds `bindings` (e.g. `{ module: 'chain' }`) to every record. */
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
}

export function createLogger(opts: LoggerOptions): pino.Logger {
  const out: pino.DestinationStream = opts.destination ?? pino.destination({ fd: 1, sync: true });
  return pino(
    { level: opts.level, base: opts.base ?? null, timestamp: pino.stdTimeFunctions.isoTime },
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
