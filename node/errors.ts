import { QenexError } from '../consensus/index.js';

export type NodeErrorType =
  | { code: 'NODE_FEATURE_ABSENT'; feature: string }
  /** The log file (log.file) cannot be opened. */
  | { code: 'NODE_LOG_FILE'; file: string; reason: string }
  /** The peer-to-peer listener cannot bind (port in use, address not local, ...). */
  | { code: 'NODE_P2P_LISTEN'; host: string; port: number; reason: string };

export class NodeError extends QenexError<NodeErrorType> {
  constructor(type: NodeErrorType, message?: string) {
    super(type, message ?? describeNodeError(type));
    this.name = 'NodeError';
  }
}

function describeNodeError(t: NodeErrorType): string {
  switch (t.code) {
    case 'NODE_FEATURE_ABSENT':
      return `${t.feature} is not available in this node`;
    case 'NODE_LOG_FILE':
      return `cannot open the log file ${t.file}: ${t.reason}`;
    case 'NODE_P2P_LISTEN':
      return `cannot listen for peers on ${t.host}:${t.port}: ${t.reason}`;
  }
}
