/**
 * Control namespace, log levels at run time (node/logControl.ts): Bitcoin Core's `logging`, which
 * turns debug logging on and off per category, and qenex's `loglevels`, which reads and sets any
 * level, for the base and per category. A category is the `module` of a service's log lines.
 */
import { z } from 'zod';
import { type LogLevelControl, levelRank } from '../../logControl.js';
import { LOG_LEVELS } from '../../logLevels.js';
import { RPC_INVALID_PARAMETER, rpcError } from '../errors.js';
import { defineMethod, param } from '../registry.js';
import type { RpcMethod } from '../types.js';

const DEBUG = levelRank('debug');

/** Bitcoin Core's special category names: every category, or none. */
const ALL = new Set(['all', '1']);
const NONE = new Set(['none', '0']);

export function loggingMethods(control: LogLevelControl): RpcMethod[] {
  /** The categories a `logging` list names (unknown names → RPC_INVALID_PARAMETER, as Core). */
  const named = (list: readonly string[]): string[] => {
    const out: string[] = [];
    for (const c of list) {
      if (ALL.has(c)) out.push(...control.categories());
      else if (NONE.has(c)) continue;
      else if (control.has(c)) out.push(c);
      else throw rpcError(RPC_INVALID_PARAMETER, `unknown logging category ${c}`);
    }
    return out;
  };
  const levels = () => ({
    level: control.level,
    categories: Object.fromEntries(control.categories().map((c) => [c, control.levelOf(c)])),
  });
  return [
    defineMethod({
      name: 'logging',
      description:
        'Gets and sets the logging configuration. With no arguments, returns each category (the module a service logs under) and whether it logs at debug level. include_category: categories to log at debug level; exclude_category: categories to stop logging debug lines (they follow the base level again, or log at info when the base level is debug or trace). "all" or "1" name every category, "none" or "0" none. For other levels use loglevels.',
      params: [
        param('include_category', z.array(z.string()), { optional: true }),
        param('exclude_category', z.array(z.string()), { optional: true }),
      ],
      allowInWarmup: true,
      handler: ({ include_category, exclude_category }) => {
        const include = named(include_category ?? []);
        const exclude = named(exclude_category ?? []);
        for (const c of include) if (levelRank(control.levelOf(c)) > DEBUG) control.setCategory(c, 'debug');
        for (const c of exclude) {
          if (levelRank(control.levelOf(c)) > DEBUG) continue;
          control.setCategory(c, levelRank(control.level) > DEBUG ? null : 'info');
        }
        return Object.fromEntries(
          control.categories().map((c) => [c, levelRank(control.levelOf(c)) <= DEBUG]),
        );
      },
    }),
    defineMethod({
      name: 'loglevels',
      description: `qenex: gets, and with an argument sets, log levels: {"*": base level, "<category>": level, or null to follow the base level again}. Levels: ${LOG_LEVELS.join(', ')}. Returns the base level and every category's level.`,
      params: [
        param('levels', z.record(z.string(), z.enum(LOG_LEVELS).nullable()), {
          optional: true,
          description: '{"*": level, "<category>": level | null}',
        }),
      ],
      result: '{"level": "str", "categories": {"<category>": "str", ...}}',
      allowInWarmup: true,
      handler: ({ levels: wanted }) => {
        const { '*': base, ...categories } = wanted ?? {};
        if (base === null) throw rpcError(RPC_INVALID_PARAMETER, 'the base level cannot be null');
        for (const c of Object.keys(categories))
          if (!control.has(c)) throw rpcError(RPC_INVALID_PARAMETER, `unknown logging category ${c}`);
        if (base !== undefined) control.setBase(base);
        for (const [c, level] of Object.entries(categories)) control.setCategory(c, level);
        return levels();
      },
    }),
  ];
}
