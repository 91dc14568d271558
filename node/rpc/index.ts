export { AMOUNT_DECIMALS, formatAmount, formatAmountString, RpcAmount } from './amount.js';
export {
  BasicAuthenticator,
  basicAuthHeader,
  type Credentials,
  generateCookie,
  parseBasicAuth,
  readCookieFile,
  removeCookieFile,
  WWW_AUTHENTICATE,
  writeCookieFile,
} from './auth.js';
export { type BatchCall, type BatchResult, type Params, RpcClient, type RpcClientOptions } from './client.js';
export * from './errors.js';
export { stringifyJson } from './json.js';
export { type DispatchReply, JsonRpcDispatcher, type LocalMethods } from './jsonrpc.js';
export {
  COOKIE_FILE_NAME,
  COOKIE_USER,
  type ResolvedRpcServerOptions,
  RPC_DEFAULTS,
  type RpcServerOptions,
  resolveRpcServerOptions,
} from './options.js';
export {
  defineMethod,
  invokeMethod,
  type ParamKind,
  param,
  paramKind,
  paramWithDefault,
  RESERVED_METHOD_NAMES,
  RpcRegistry,
  validateParams,
} from './registry.js';
export { RpcServer, type RpcServerDeps } from './server.js';
export type {
  JsonRpcErrorObject,
  JsonRpcId,
  MethodSpec,
  ParamSpec,
  ParamsOf,
  RpcContext,
  RpcHttpMount,
  RpcLogger,
  RpcMethod,
} from './types.js';
export {
  type AmountRange,
  amountSchema,
  booleanSchema,
  hashHexSchema,
  heightSchema,
  hexBytesSchema,
  MAX_MONEY,
  makeAmountSchema,
  parseAmount,
  parseAmountText,
  rpcErrorFromZod,
} from './validators.js';
export { RpcWebSocketHub, type WsHubDeps, type WsHubOptions } from './ws.js';
