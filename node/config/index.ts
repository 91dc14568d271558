export { parseArgsLazily } from './client.js';
export {
  CONFIG_FILE_NAME,
  COOKIE_FILE_NAME,
  configFilePath,
  cookieFilePath,
  defaultDatadir,
  ensureDatadir,
  LOCK_FILE_NAME,
  lockFilePath,
  resolveUserPath,
} from './datadir.js';
export type { ConfigErrorType, ConfigIssue } from './errors.js';
export { ConfigError } from './errors.js';
export type { CliFlags, ParseEnv } from './flags.js';
export { FLAG_TARGETS } from './flags.js';
export type { DatadirLock } from './lock.js';
export { acquireLock, isProcessAlive } from './lock.js';
export type {
  DashboardOptions,
  DefaultsEnv,
  LogOptions,
  MempoolOptions,
  MetricsOptions,
  MiningOptions,
  NodeOptions,
  P2pOptions,
  RpcOptions,
  TrainingOptions,
} from './options.js';
export { DEFAULT_METRICS_PORTS, DEFAULT_PORTS, defaultNodeOptions, NETWORK_NAMES } from './options.js';
export { finalize, loadConfigFile, parseArgs, parseConfigText } from './parseArgs.js';
export { renderDefaultConfig } from './render.js';
export type { ConfigLayer, OptionDoc } from './schema.js';
export { configLayerSchema, nodeOptionsSchema, optionDocs } from './schema.js';
