/**
 * Each network's default ports, the `defaultP2pPort` and `defaultRpcPort` of its NetworkParams
 * (networks.ts reads them from here). A module of its own that imports nothing: a JSON-RPC client
 * (`qenex rpc`, node/config) finds a node's port from it without loading the consensus rules and
 * their curves (docs/architecture.md, "Leaf modules").
 */
import type { NetworkName } from './types.js';

export interface NetworkPorts {
  readonly p2p: number;
  readonly rpc: number;
}

export const NETWORK_PORTS: Readonly<Record<NetworkName, NetworkPorts>> = Object.freeze({
  main: Object.freeze({ p2p: 8333, rpc: 8332 }),
  test: Object.freeze({ p2p: 18333, rpc: 18332 }),
  devnet: Object.freeze({ p2p: 18444, rpc: 18443 }),
});
