// The error base class from its leaf module: the consensus index loads every rule and the curves
// (docs/architecture.md, "Leaf modules").
import { QenexError } from '../../consensus/errors.js';

export type CliErrorType =
  /** The command exists in the CLI but its implementation has not been written yet. */
  | { code: 'NOT_IMPLEMENTED'; command: string }
  | { code: 'RPC_NO_CREDENTIALS'; cookieFile: string }
  | { code: 'RPC_BAD_COOKIE'; cookieFile: string; reason: string }
  | { code: 'RPC_CONNECT_FAILED'; url: string; reason: string }
  | { code: 'RPC_TIMEOUT'; url: string; ms: number }
  | { code: 'RPC_AUTH_FAILED'; url: string }
  | { code: 'RPC_HTTP_ERROR'; url: string; status: number; body: string }
  | { code: 'RPC_BAD_RESPONSE'; url: string; reason: string }
  /** The node answered with a JSON-RPC error. */
  | { code: 'RPC_ERROR'; method: string; rpcCode: number; rpcMessage: string };

export class CliError extends QenexError<CliErrorType> {
  constructor(type: CliErrorType, message?: string) {
    super(type, message ?? describeCliError(type));
    this.name = 'CliError';
  }
}

function describeCliError(t: CliErrorType): string {
  switch (t.code) {
    case 'NOT_IMPLEMENTED':
      return `\`qenex ${t.command}\` is not available yet in this build`;
    case 'RPC_NO_CREDENTIALS':
      return (
        `no RPC credentials: ${t.cookieFile} does not exist (is the node running with this ` +
        '--network/--datadir?) and no --rpc-user/--rpc-password were given'
      );
    case 'RPC_BAD_COOKIE':
      return `cannot use the RPC cookie ${t.cookieFile}: ${t.reason}`;
    case 'RPC_CONNECT_FAILED':
      return `cannot connect to the qenex node at ${t.url} (is \`qenex node\` running?): ${t.reason}`;
    case 'RPC_TIMEOUT':
      return `no answer from ${t.url} within ${t.ms} ms`;
    case 'RPC_AUTH_FAILED':
      return `RPC authentication failed at ${t.url}: check the cookie or --rpc-user/--rpc-password`;
    case 'RPC_HTTP_ERROR':
      return `RPC server at ${t.url} answered HTTP ${t.status}${t.body === '' ? '' : `: ${t.body}`}`;
    case 'RPC_BAD_RESPONSE':
      return `malformed JSON-RPC response from ${t.url}: ${t.reason}`;
    case 'RPC_ERROR':
      return `${t.rpcMessage} (RPC error ${t.rpcCode})`;
  }
}
