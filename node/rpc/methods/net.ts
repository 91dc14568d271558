/** Network namespace: Bitcoin Core's names, shaped for libp2p peers. */
import { peerIdFromString } from '@libp2p/peer-id';
import { z } from 'zod';
import { toHex } from '../../../consensus/index.js';
import { type BanLength, formatSubnet, P2pError, parseSubnet } from '../../../p2p/index.js';
import {
  RPC_CLIENT_INVALID_IP_OR_SUBNET,
  RPC_CLIENT_NODE_ALREADY_ADDED,
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
          statusannouncements: i.statusAnnouncements,
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
      description:
        'List all manually and automatically banned peer ids and IPs/subnets (an address banned with a misbehaving peer comes with its /24 or /48).',
      params: [],
      handler: () => {
        const net = p2p();
        const now = node.now();
        const row = (address: string, b: { createdAt: number; until: number; reason: string }) => ({
          address,
          ban_created: Math.floor(b.createdAt / 1000),
          banned_until: Math.floor(b.until / 1000),
          ban_duration: Math.floor((b.until - b.createdAt) / 1000),
          time_remaining: Math.max(0, Math.floor(b.until / 1000) - now),
          ban_reason: b.reason,
        });
        return [
          ...net.listBanned().map((b) => row(b.peerId, b)),
          ...net.listBannedSubnets().map((b) => row(b.subnet, b)),
        ];
      },
    }),
    defineMethod({
      name: 'setban',
      description:
        "Attempts to add or remove a peer id, an IP or a subnet (ip/prefix or ip/netmask) from the banned list. 'add' bans for bantime seconds (0: the default, 24 h), or until the unix time bantime when absolute is true; connections from a banned IP/subnet are closed and refused, whatever peer id they bring.",
      params: [
        param('subnet', z.string().min(1), { description: 'peer id, IP or subnet' }),
        param('command', z.enum(['add', 'remove'])),
        paramWithDefault('bantime', z.number().int().min(0), 0),
        paramWithDefault('absolute', z.boolean(), false),
      ],
      handler: async ({ subnet, command, bantime, absolute }) => {
        const net = p2p();
        const target = banTarget(subnet);
        if (command === 'remove') {
          const lifted = target.kind === 'subnet' ? net.unbanSubnet(subnet) : net.unban(subnet);
          if (lifted) return null;
          if (target.kind === 'subnet') {
            throw rpcError(
              RPC_CLIENT_INVALID_IP_OR_SUBNET,
              'Error: Unban failed. Requested address/subnet was not previously manually banned.',
            );
          }
          throw rpcError(
            RPC_CLIENT_NODE_NOT_CONNECTED,
            'Error: Unban failed. Requested peer id was not previously banned.',
          );
        }
        // An absolute time is kept as given (banned_until reports it exactly), not turned into a
        // duration from a clock read that may already be in the next second.
        let length: BanLength | undefined;
        if (absolute) {
          if (bantime <= node.now())
            throw rpcError(RPC_INVALID_PARAMETER, 'Error: Absolute timestamp is in the past');
          length = { untilMs: bantime * 1000 };
        } else if (bantime > 0) length = bantime * 1000;
        if (target.kind === 'subnet') {
          if (net.listBannedSubnets().some((b) => b.subnet === target.canonical))
            throw rpcError(RPC_CLIENT_NODE_ALREADY_ADDED, 'Error: IP/Subnet already banned');
          net.banSubnet(subnet, length, 'manual');
        } else {
          if (net.listBanned().some((b) => b.peerId === subnet))
            throw rpcError(RPC_CLIENT_NODE_ALREADY_ADDED, 'Error: peer id already banned');
          await net.ban(subnet, length, 'manual');
        }
        return null;
      },
    }),
  ];
}

type BanTarget = { readonly kind: 'subnet'; readonly canonical: string } | { readonly kind: 'peer' };

/** setban's first argument: an IP or subnet, else a peer id; anything else is RPC_CLIENT_INVALID_IP_OR_SUBNET. */
function banTarget(text: string): BanTarget {
  try {
    return { kind: 'subnet', canonical: formatSubnet(parseSubnet(text)) };
  } catch (e) {
    if (!(e instanceof P2pError)) throw e;
  }
  try {
    peerIdFromString(text);
    return { kind: 'peer' };
  } catch {
    throw rpcError(
      RPC_CLIENT_INVALID_IP_OR_SUBNET,
      `Error: Invalid IP/Subnet or peer id ${JSON.stringify(text)}`,
    );
  }
}
