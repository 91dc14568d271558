// The error base class from its leaf module, not the consensus index (docs/architecture.md, "Leaf modules").
import { QenexError } from '../../consensus/errors.js';
import type { NetworkName } from '../../consensus/index.js';

/** One bad setting: where (`rpc.port`, `p2p.bootstrap[1]`, `--rpc-port`) and why. */
export interface ConfigIssue {
  readonly path: string;
  readonly reason: string;
}

export type ConfigErrorType =
  /** Settings failed validation; `source` is a file path, `command line`, or `options`. */
  | { code: 'CONFIG_INVALID'; source: string; issues: readonly ConfigIssue[] }
  | { code: 'CONFIG_FILE_NOT_FOUND'; file: string }
  | { code: 'CONFIG_FILE_UNREADABLE'; file: string; reason: string }
  | { code: 'CONFIG_FILE_SYNTAX'; file: string; reason: string }
  /** `<datadir>/qenex.yaml` names another network than the default datadir it was found in. */
  | { code: 'CONFIG_NETWORK_CONFLICT'; file: string; fileNetwork: NetworkName; datadirNetwork: NetworkName }
  | { code: 'DATADIR_NOT_DIRECTORY'; dir: string }
  | { code: 'DATADIR_CREATE_FAILED'; dir: string; reason: string }
  /** Another live process holds `<dir>/.lock`. */
  | { code: 'DATADIR_LOCKED'; dir: string; pid: number }
  | { code: 'DATADIR_LOCK_FAILED'; dir: string; reason: string };

export class ConfigError extends QenexError<ConfigErrorType> {
  constructor(type: ConfigErrorType, message?: string) {
    super(type, message ?? describeConfigError(type));
    this.name = 'ConfigError';
  }
}

export function describeConfigError(t: ConfigErrorType): string {
  switch (t.code) {
    case 'CONFIG_INVALID': {
      const where = t.source === 'command line' || t.source === 'options' ? '' : ` (in ${t.source})`;
      return t.issues.map((i) => `config error: ${i.path}: ${i.reason}${where}`).join('\n');
    }
    case 'CONFIG_FILE_NOT_FOUND':
      return `config error: config file ${t.file} does not exist`;
    case 'CONFIG_FILE_UNREADABLE':
      return `config error: cannot read config file ${t.file}: ${t.reason}`;
    case 'CONFIG_FILE_SYNTAX':
      return `config error: ${t.file} is not valid YAML: ${t.reason}`;
    case 'CONFIG_NETWORK_CONFLICT':
      return (
        `config error: network: ${t.file} sets network ${t.fileNetwork} but lies in the default data ` +
        `directory of ${t.datadirNetwork}; pass --network ${t.fileNetwork} (or --datadir)`
      );
    case 'DATADIR_NOT_DIRECTORY':
      return `data directory ${t.dir} exists but is not a directory`;
    case 'DATADIR_CREATE_FAILED':
      return `cannot create data directory ${t.dir}: ${t.reason}`;
    case 'DATADIR_LOCKED':
      return (
        `another qenex node (pid ${t.pid}) is using ${t.dir}; stop it or use --datadir ` +
        `(if no such node is running, delete ${t.dir}/.lock)`
      );
    case 'DATADIR_LOCK_FAILED':
      return `cannot lock data directory ${t.dir}: ${t.reason}`;
  }
}
