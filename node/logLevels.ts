/**
 * Log level names, apart from the logger itself: the config schema and the CLI's option parser
 * need the names, and importing logger.ts would load pino into every `qenex rpc` call.
 */

/** Log levels, most verbose first. `silent` turns logging off. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
