/**
 * RPC error codes (Bitcoin Core's src/rpc/protocol.h, same numbers and names) and the typed errors
 * of the RPC layer. Handlers throw `RpcError`; the server turns it into `{code, message, data?}`.
 */
import { QenexError } from '../../consensus/index.js';

/** Every JSON-RPC error code the node uses. Numbers are Bitcoin Core's; never renumber. */
export const RPC_ERROR_CODES = {
  // Standard JSON-RPC 2.0 errors
  RPC_INVALID_REQUEST: -32600,
  RPC_METHOD_NOT_FOUND: -32601,
  RPC_INVALID_PARAMS: -32602,
  RPC_INTERNAL_ERROR: -32603,
  RPC_PARSE_ERROR: -32700,

  // General application defined errors
  RPC_MISC_ERROR: -1,
  RPC_TYPE_ERROR: -3,
  RPC_INVALID_ADDRESS_OR_KEY: -5,
  RPC_OUT_OF_MEMORY: -7,
  RPC_INVALID_PARAMETER: -8,
  RPC_DATABASE_ERROR: -20,
  RPC_DESERIALIZATION_ERROR: -22,
  RPC_VERIFY_ERROR: -25,
  RPC_VERIFY_REJECTED: -26,
  /** Bitcoin Core renamed it RPC_VERIFY_ALREADY_IN_UTXO_SET in v28; same number. */
  RPC_VERIFY_ALREADY_IN_CHAIN: -27,
  RPC_IN_WARMUP: -28,
  RPC_METHOD_DEPRECATED: -32,

  // P2P client errors
  RPC_CLIENT_NOT_CONNECTED: -9,
  RPC_CLIENT_IN_INITIAL_DOWNLOAD: -10,
  RPC_CLIENT_NODE_ALREADY_ADDED: -23,
  RPC_CLIENT_NODE_NOT_ADDED: -24,
  RPC_CLIENT_NODE_NOT_CONNECTED: -29,
  RPC_CLIENT_INVALID_IP_OR_SUBNET: -30,
  RPC_CLIENT_P2P_DISABLED: -31,
  RPC_CLIENT_MEMPOOL_DISABLED: -33,
  RPC_CLIENT_NODE_CAPACITY_REACHED: -34,

  // Wallet errors
  RPC_WALLET_ERROR: -4,
  RPC_WALLET_INSUFFICIENT_FUNDS: -6,
  RPC_WALLET_INVALID_LABEL_NAME: -11,
  RPC_WALLET_KEYPOOL_RAN_OUT: -12,
  RPC_WALLET_UNLOCK_NEEDED: -13,
  RPC_WALLET_PASSPHRASE_INCORRECT: -14,
  RPC_WALLET_WRONG_ENC_STATE: -15,
  RPC_WALLET_ENCRYPTION_FAILED: -16,
  RPC_WALLET_ALREADY_UNLOCKED: -17,
  RPC_WALLET_NOT_FOUND: -18,
  RPC_WALLET_NOT_SPECIFIED: -19,
  RPC_WALLET_ALREADY_LOADED: -35,
  RPC_WALLET_ALREADY_EXISTS: -36,

  // Unused reserved code, kept so the number is never reused
  RPC_FORBIDDEN_BY_SAFE_MODE: -2,
} as const;

export type RpcErrorName = keyof typeof RPC_ERROR_CODES;

// Flat aliases, so code reads like Bitcoin Core's (`throw rpcError(RPC_INVALID_PARAMETER, ...)`).
export const RPC_INVALID_REQUEST = RPC_ERROR_CODES.RPC_INVALID_REQUEST;
export const RPC_METHOD_NOT_FOUND = RPC_ERROR_CODES.RPC_METHOD_NOT_FOUND;
export const RPC_INVALID_PARAMS = RPC_ERROR_CODES.RPC_INVALID_PARAMS;
export const RPC_INTERNAL_ERROR = RPC_ERROR_CODES.RPC_INTERNAL_ERROR;
export const RPC_PARSE_ERROR = RPC_ERROR_CODES.RPC_PARSE_ERROR;
export const RPC_MISC_ERROR = RPC_ERROR_CODES.RPC_MISC_ERROR;
export const RPC_TYPE_ERROR = RPC_ERROR_CODES.RPC_TYPE_ERROR;
export const RPC_INVALID_ADDRESS_OR_KEY = RPC_ERROR_CODES.RPC_INVALID_ADDRESS_OR_KEY;
export const RPC_INVALID_PARAMETER = RPC_ERROR_CODES.RPC_INVALID_PARAMETER;
export const RPC_DATABASE_ERROR = RPC_ERROR_CODES.RPC_DATABASE_ERROR;
export const RPC_DESERIALIZATION_ERROR = RPC_ERROR_CODES.RPC_DESERIALIZATION_ERROR;
export const RPC_VERIFY_ERROR = RPC_ERROR_CODES.RPC_VERIFY_ERROR;
export const RPC_VERIFY_REJECTED = RPC_ERROR_CODES.RPC_VERIFY_REJECTED;
export const RPC_VERIFY_ALREADY_IN_CHAIN = RPC_ERROR_CODES.RPC_VERIFY_ALREADY_IN_CHAIN;
export const RPC_IN_WARMUP = RPC_ERROR_CODES.RPC_IN_WARMUP;
export const RPC_METHOD_DEPRECATED = RPC_ERROR_CODES.RPC_METHOD_DEPRECATED;
export const RPC_CLIENT_NOT_CONNECTED = RPC_ERROR_CODES.RPC_CLIENT_NOT_CONNECTED;
export const RPC_CLIENT_IN_INITIAL_DOWNLOAD = RPC_ERROR_CODES.RPC_CLIENT_IN_INITIAL_DOWNLOAD;
export const RPC_CLIENT_NODE_ALREADY_ADDED = RPC_ERROR_CODES.RPC_CLIENT_NODE_ALREADY_ADDED;
export const RPC_CLIENT_NODE_NOT_CONNECTED = RPC_ERROR_CODES.RPC_CLIENT_NODE_NOT_CONNECTED;
export const RPC_CLIENT_INVALID_IP_OR_SUBNET = RPC_ERROR_CODES.RPC_CLIENT_INVALID_IP_OR_SUBNET;
export const RPC_CLIENT_P2P_DISABLED = RPC_ERROR_CODES.RPC_CLIENT_P2P_DISABLED;
export const RPC_CLIENT_MEMPOOL_DISABLED = RPC_ERROR_CODES.RPC_CLIENT_MEMPOOL_DISABLED;
export const RPC_WALLET_ERROR = RPC_ERROR_CODES.RPC_WALLET_ERROR;
export const RPC_WALLET_INSUFFICIENT_FUNDS = RPC_ERROR_CODES.RPC_WALLET_INSUFFICIENT_FUNDS;
export const RPC_WALLET_NOT_FOUND = RPC_ERROR_CODES.RPC_WALLET_NOT_FOUND;
export const RPC_WALLET_INVALID_LABEL_NAME = RPC_ERROR_CODES.RPC_WALLET_INVALID_LABEL_NAME;
export const RPC_WALLET_UNLOCK_NEEDED = RPC_ERROR_CODES.RPC_WALLET_UNLOCK_NEEDED;
export const RPC_WALLET_PASSPHRASE_INCORRECT = RPC_ERROR_CODES.RPC_WALLET_PASSPHRASE_INCORRECT;
export const RPC_WALLET_WRONG_ENC_STATE = RPC_ERROR_CODES.RPC_WALLET_WRONG_ENC_STATE;

const NAME_BY_NUMBER: ReadonlyMap<number, RpcErrorName> = (() => {
  const m = new Map<number, RpcErrorName>();
  for (const [name, num] of Object.entries(RPC_ERROR_CODES) as [RpcErrorName, number][]) {
    if (!m.has(num)) m.set(num, name);
  }
  return m;
})();

/** The name of a numeric code, or undefined if Bitcoin Core defines no such code. */
export function rpcErrorName(rpcCode: number): RpcErrorName | undefined {
  return NAME_BY_NUMBER.get(rpcCode);
}

/**
 * - a known JSON-RPC error (`code` is the constant's name, `rpcCode` its number);
 * - RPC_UNKNOWN_CODE: a server answered with a code not in the table (client side only);
 * - RPC_TRANSPORT_ERROR: the client could not get a JSON-RPC answer at all (connection refused,
 *   HTTP 401, non-JSON body, timeout). `rpcCode` is then the HTTP status, or 0 without one; it is
 *   never negative, so it cannot be confused with a JSON-RPC code.
 */
export type RpcErrorType =
  | { code: RpcErrorName; rpcCode: number; data?: unknown }
  | { code: 'RPC_UNKNOWN_CODE'; rpcCode: number; data?: unknown }
  | { code: 'RPC_TRANSPORT_ERROR'; rpcCode: number; httpStatus: number | null };

export class RpcError extends QenexError<RpcErrorType> {
  constructor(type: RpcErrorType, message?: string) {
    super(type, message ?? type.code);
    this.name = 'RpcError';
  }
  /** The numeric JSON-RPC code (Bitcoin Core's numbering). */
  get rpcCode(): number {
    return this.type.rpcCode;
  }
  /** Optional structured `error.data`. */
  get data(): unknown {
    return this.type.code === 'RPC_TRANSPORT_ERROR' ? undefined : this.type.data;
  }
  /** Build from a numeric code, the way a handler would in Bitcoin Core (`JSONRPCError(code, msg)`). */
  static fromCode(rpcCode: number, message: string, data?: unknown): RpcError {
    const name = rpcErrorName(rpcCode);
    const type: RpcErrorType = name
      ? { code: name, rpcCode, ...(data === undefined ? {} : { data }) }
      : { code: 'RPC_UNKNOWN_CODE', rpcCode, ...(data === undefined ? {} : { data }) };
    return new RpcError(type, message);
  }
}

/** Shorthand: `throw rpcError(RPC_INVALID_PARAMETER, 'Block height out of range')`. */
export function rpcError(rpcCode: number, message: string, data?: unknown): RpcError {
  return RpcError.fromCode(rpcCode, message, data);
}

/** Server lifecycle and configuration errors (never sent over the wire). */
export type RpcServerErrorType =
  | { code: 'RPC_SERVER_CONFIG'; reason: string }
  | { code: 'RPC_SERVER_STATE'; state: string }
  | { code: 'RPC_SERVER_LISTEN'; host: string; port: number; cause: string }
  | { code: 'RPC_SERVER_COOKIE'; path: string; cause: string }
  | { code: 'RPC_DUPLICATE_METHOD'; method: string }
  | { code: 'RPC_BAD_METHOD_NAME'; method: string }
  | { code: 'RPC_UNKNOWN_TOPIC'; topic: string }
  | { code: 'RPC_DUPLICATE_TOPIC'; topic: string };

export class RpcServerError extends QenexError<RpcServerErrorType> {
  constructor(type: RpcServerErrorType, message?: string) {
    super(type, message ?? describeServerError(type));
    this.name = 'RpcServerError';
  }
}

function describeServerError(t: RpcServerErrorType): string {
  switch (t.code) {
    case 'RPC_SERVER_CONFIG':
      return `invalid RPC server configuration: ${t.reason}`;
    case 'RPC_SERVER_STATE':
      return `RPC server is ${t.state}`;
    case 'RPC_SERVER_LISTEN':
      return `cannot listen on ${t.host}:${t.port}: ${t.cause}`;
    case 'RPC_SERVER_COOKIE':
      return `cannot write or remove cookie file ${t.path}: ${t.cause}`;
    case 'RPC_DUPLICATE_METHOD':
      return `RPC method ${t.method} is already registered`;
    case 'RPC_BAD_METHOD_NAME':
      return `invalid RPC method name ${JSON.stringify(t.method)}`;
    case 'RPC_UNKNOWN_TOPIC':
      return `unknown subscription topic ${t.topic}`;
    case 'RPC_DUPLICATE_TOPIC':
      return `subscription topic ${t.topic} is already registered`;
  }
}
