/** Network namespace: Bitcoin Core's names, shaped for libp2p peers. */
import { z } from 'zod';
import { toHex } from '../../../consensus/index.js';
import {
  RPC_CLIENT_NODE_NOT_CONNECTED,
  RPC_CLIENT_P2P_DISABLED,
  RPC_INVALID_PARAMETER,
  rpcError,
} from '../errors.js';
import { defineMethod, param, paramWithDefault } from '../registry.js';
import type { RpcMethod } from '../types.js';
import type { RpcNodeContext } from './context.js';

export function netMethods(node: RpcNodeContext): RpcMethod[] {
  const p2p = () => {
    if (!node.p2p)
      throw rpcError(RPC_CLIENT_P2P_DISABLED, 'Error: Peer-to-peer functionality missing or disabled');
    return node.p2p;
  };
  return [
    defineMethod({
      name: 'getconnectioncount',
      description: 'Returns the number of connections to other nodes.',
      params: [],
      handler: () => (node.p2p ? node.p2p.networkInfo().connections : 0),
    }),
    defineMethod({
      name: 'getpeerinfo',
      description: 'Returns data about each connected network peer as a json array of objects.',
      params: [],
      handler: () =>
        p2p()
          .peers()
          .map((p, id) => ({
            id,
            peerid: p.id,
            addr: p.addrs[0] ?? null,
            addrs: p.addrs,
            inbound: p.direction === 'inbound',
            conntime: Math.floor(p.connectedSince / 1000),
            pingtime: p.latencyMs === null ? null : p.latencyMs / 1000,
            banscore: p.banScore,
            gossipscore: p.gossipScore,
            synced_blocks: p.status?.bestHeight ?? -1,
            startingheight: p.status?.bestHeight ?? -1,
            bestblockhash: p.status ? toHex(p.status.bestHash) : null,
          })),
    }),
    defineMethod({
      name: 'getnetworkinfo',
      description: 'Returns an object containing various state info regarding P2P networking.',
      params: [],
      handler: () => {
        if (!node.p2p) return { networkactive: false, connections: 0, localaddresses: [], warnings: '' };
        const i = node.p2p.networkInfo();
        return {
          version: 10000,
          subversion: '/qenex:0.1.0/',
          networkactive: true,
          peerid: i.peerId,
          network: i.network,
          connections: i.connections,
          connections_in: i.inbound,
          connections_out: i.outbound,
          banned: i.banned,
          syncing: i.syncing,
          localaddresses: i.listenAddrs,
          protocols: i.protocols,
          warnings: '',
        };
      },
    }),
    defineMethod({
      name: 'addnode',
      description:
        "Attempts to add or remove a peer, or try a connection once. 'node' is a libp2p multiaddr ending in /p2p/<peer id>.",
      params: [param('node', z.string().min(1)), param('command', z.enum(['add', 'remove', 'onetry']))],
      handler: async ({ node: addr, command }) => {
        const net = p2p();
        if (command === 'remove') {
          const id = addr.split('/p2p/')[1];
          if (!id) throw rpcError(RPC_INVALID_PARAMETER, 'Error: node must end in /p2p/<peer id>');
          await net.disconnect(id);
          return null;
        }
        try {
          await net.connect(addr);
        } catch (e) {
          throw rpcError(
            RPC_CLIENT_NODE_NOT_CONNECTED,
            `Error: could not connect to ${addr}: ${(e as Error).message}`,
          );
        }
        return null;
      },
    }),
    defineMethod({
      name: 'disconnectnode',
      description:
        'Immediately disconnects from the specified peer (by peer id, or a multiaddr ending in /p2p/<id>).',
      params: [paramWithDefault('address', z.string(), ''), paramWithDefault('nodeid', z.string(), '')],
      handler: async ({ address, nodeid }) => {
        const id = nodeid || address.split('/p2p/')[1] || address;
        if (!id) throw rpcError(RPC_INVALID_PARAMETER, 'Need an address or a nodeid');
        const net = p2p();
        if (!net.peers().some((p) => p.id === id))
          throw rpcError(RPC_CLIENT_NODE_NOT_CONNECTED, 'Node not found in connected nodes');
        await net.disconnect(id);
        return null;
      },
    }),
    defineMethod({
      name: 'listbanned',
      description: 'List all manually and automatically banned peers.',
      params: [],
      handler: () =>
        p2p()
          .listBanned()
          .map((b) => ({
            address: b.peerId,
            ban_created: Math.floor(b.createdAt / 1000),
            banned_until: Math.floor(b.until / 1000),
            ban_duration: Math.floor((b.until - b.createdAt) / 1000),
            ban_reason: b.reason,
          })),
    }),
    defineMethod({
      name: 'setban',
      description:
        "Attempts to add or remove a peer id from the banned list ('add' bans for bantime seconds, default 24 h).",
      params: [
        param('peerid', z.string().min(1)),
        param('command', z.enum(['add', 'remove'])),
        paramWithDefault('bantime', z.number().int().min(1), 86_400),
      ],
      handler: async ({ peerid, command, bantime }) => {
        const net = p2p();
        if (command === 'add') await net.ban(peerid, bantime * 1000, 'manual');
        else if (!net.unban(peerid))
          throw rpcError(
            RPC_CLIENT_NODE_NOT_CONNECTED,
            'Error: Unban failed. Requested peer id was not previously banned.',
          );
        return null;
      },
    }),
  ];
}
