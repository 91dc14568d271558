/**
 * p2p errors. Every failure carries a stable `code`. Errors caused by a remote peer name it
 * (`peer`, base58 peer id) so callers can map them to penalties (see penalties.ts).
 */
import { QenexError } from '../consensus/index.js';

export type P2pErrorType =
  | { code: 'P2P_BAD_OPTIONS'; option: string; detail: string }
  | { code: 'P2P_NOT_STARTED' }
  | { code: 'P2P_ALREADY_STARTED' }
  | { code: 'P2P_KEY_FILE'; path: string; detail: string }
  /** The ban list file could not be read or written (a missing file is an empty list, not this). */
  | { code: 'P2P_BAN_FILE'; path: string; detail: string }
  /** Not an IP address or subnet (`ip`, `ip/prefix`, `ip/netmask`). */
  | { code: 'P2P_INVALID_SUBNET'; subnet: string; detail: string }
  | { code: 'P2P_MESSAGE_TOO_LARGE'; topic: string; size: number; max: number }
  /** A message we were about to send is out of the protocol's bounds (a caller bug). */
  | { code: 'P2P_ENCODE'; what: string }
  | { code: 'P2P_INVALID_MULTIADDR'; addr: string; detail: string }
  | { code: 'P2P_INVALID_PEER_ID'; peer: string }
  | { code: 'P2P_PEER_BANNED'; peer: string }
  /** A dial to an address inside a banned subnet. */
  | { code: 'P2P_ADDRESS_BANNED'; addr: string; subnet: string }
  /** An inbound request stream over the per-connection limit of its protocol (reset, and charged). */
  | { code: 'P2P_STREAM_LIMIT'; protocol: string; peer: string; open: number; max: number }
  | { code: 'P2P_DIAL_FAILED'; addr: string; detail: string }
  | { code: 'P2P_NO_CONNECTION'; peer: string }
  /** The request could not be completed (stream reset, unsupported protocol, connection closed). */
  | { code: 'P2P_REQUEST_FAILED'; protocol: string; peer: string; detail: string }
  | { code: 'P2P_REQUEST_TIMEOUT'; protocol: string; peer: string }
  /** The peer does not speak the protocol (another network, or not a qenex node). */
  | { code: 'P2P_UNSUPPORTED_PROTOCOL'; protocol: string; peer: string }
  /** The remote answered with an error status (rate limited, bad request, unavailable). */
  | { code: 'P2P_REMOTE_ERROR'; protocol: string; peer: string; status: string }
  /** The remote's answer breaks the protocol (malformed, oversized, unrequested, not connecting). */
  | {
      code: 'P2P_BAD_RESPONSE';
      protocol: string;
      peer: string;
      offence: 'malformed-message' | 'oversize-message' | 'bad-response';
      detail: string;
    }
  | { code: 'P2P_WRONG_NETWORK'; peer: string; detail: string };

export class P2pError extends QenexError<P2pErrorType> {
  constructor(type: P2pErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'P2pError';
  }
}

function describe(t: P2pErrorType): string {
  switch (t.code) {
    case 'P2P_BAD_OPTIONS':
      return `invalid p2p option ${t.option}: ${t.detail}`;
    case 'P2P_NOT_STARTED':
      return 'p2p node is not started';
    case 'P2P_ALREADY_STARTED':
      return 'p2p node is already started';
    case 'P2P_KEY_FILE':
      return `peer key file ${t.path}: ${t.detail}`;
    case 'P2P_BAN_FILE':
      return `ban list file ${t.path}: ${t.detail}`;
    case 'P2P_INVALID_SUBNET':
      return `invalid IP address or subnet ${JSON.stringify(t.subnet)}: ${t.detail}`;
    case 'P2P_MESSAGE_TOO_LARGE':
      return `message for ${t.topic} is ${t.size} bytes, limit ${t.max}`;
    case 'P2P_ENCODE':
      return `cannot encode ${t.what}`;
    case 'P2P_INVALID_MULTIADDR':
      return `invalid multiaddr ${t.addr}: ${t.detail}`;
    case 'P2P_INVALID_PEER_ID':
      return `invalid peer id ${t.peer}`;
    case 'P2P_PEER_BANNED':
      return `peer ${t.peer} is banned`;
    case 'P2P_ADDRESS_BANNED':
      return `${t.addr} is in the banned subnet ${t.subnet}`;
    case 'P2P_STREAM_LIMIT':
      return `${t.peer} opened ${t.open} concurrent ${t.protocol} streams, limit ${t.max}`;
    case 'P2P_DIAL_FAILED':
      return `dial ${t.addr} failed: ${t.detail}`;
    case 'P2P_NO_CONNECTION':
      return `not connected to ${t.peer}`;
    case 'P2P_REQUEST_FAILED':
      return `${t.protocol} request to ${t.peer} failed: ${t.detail}`;
    case 'P2P_REQUEST_TIMEOUT':
      return `${t.protocol} request to ${t.peer} timed out`;
    case 'P2P_UNSUPPORTED_PROTOCOL':
      return `${t.peer} does not support ${t.protocol}`;
    case 'P2P_REMOTE_ERROR':
      return `${t.protocol} request to ${t.peer} answered ${t.status}`;
    case 'P2P_BAD_RESPONSE':
      return `bad ${t.protocol} response from ${t.peer}: ${t.detail}`;
    case 'P2P_WRONG_NETWORK':
      return `peer ${t.peer} is on another network: ${t.detail}`;
  }
}
