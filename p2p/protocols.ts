/**
 * Protocol ids and gossip topics. Everything is namespaced by network name, so nodes of different
 * networks never share a DHT, a topic or a request protocol; the status handshake then checks the
 * magic and the genesis hash (two networks may share a name, e.g. two private devnets).
 */
import type { NetworkName } from '../consensus/index.js';

export type TopicKind = 'blocks' | 'txs' | 'deltas';
export const TOPIC_KINDS: readonly TopicKind[] = ['blocks', 'txs', 'deltas'];

export type RequestKind = 'status' | 'headers' | 'blocks' | 'model';
export const REQUEST_KINDS: readonly RequestKind[] = ['status', 'headers', 'blocks', 'model'];

export function protocolPrefix(network: NetworkName): string {
  return `/qenex/${network}`;
}

export function topicName(network: NetworkName, kind: TopicKind): string {
  return `${protocolPrefix(network)}/${kind}/1`;
}

export function requestProtocol(network: NetworkName, kind: RequestKind): string {
  return `${protocolPrefix(network)}/${kind}/1`;
}

export function dhtProtocol(network: NetworkName): string {
  return `${protocolPrefix(network)}/kad/1.0.0`;
}

/**
 * Gossipsub's RPC frame limit is 4 MiB (it-length-prefixed's default) and an oversized publish is
 * dropped silently; a message must leave room for the RPC envelope (topic, control messages).
 */
export const GOSSIP_RPC_LIMIT = 4 * 1024 * 1024;
export const GOSSIP_MAX_PAYLOAD = GOSSIP_RPC_LIMIT - 64 * 1024;
