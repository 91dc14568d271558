/**
 * The connection gater: who may connect, checked by libp2p at each step of a connection.
 *
 *  - a banned peer id is refused in both directions once its key is known (after encryption);
 *  - an address inside a banned subnet is refused as soon as its TCP connection is accepted,
 *    before any handshake work, whatever key it would bring; we do not dial such addresses;
 *  - one remote address may hold at most `maxConnectionsPerIp` connections (inbound ones beyond
 *    are refused): many keys from one machine cannot fill our connection slots. Addresses in an
 *    exempt subnet (banManager.ts) are not capped.
 *
 * libp2p's own per-host inbound rate limit (`inboundConnectionThreshold`) and its bound on
 * pending inbound connections cover connections still in their handshake, which the cap (counting
 * open connections) does not see.
 */
import type { ConnectionGater, MultiaddrConnection, PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import type { BanManager } from './banManager.js';
import { formatIp, type IpAddress, ipOfMultiaddr } from './subnet.js';
import type { P2pLogger } from './types.js';

export interface GaterDeps {
  readonly bans: Pick<BanManager, 'isBanned' | 'addressBan' | 'isExempt'>;
  readonly maxConnectionsPerIp: number;
  /** Open connections (either direction) whose remote address is `ip`. */
  readonly connectionsFrom: (ip: IpAddress) => number;
  readonly log: P2pLogger;
}

export function createConnectionGater(deps: GaterDeps): ConnectionGater {
  const { bans, log } = deps;
  const peerBanned = (peerId: PeerId): boolean => bans.isBanned(peerId.toString());
  const addressBanned = (ma: Multiaddr): boolean => {
    const ip = ipOfMultiaddr(ma);
    const ban = ip && bans.addressBan(ip);
    if (!ban) return false;
    log.debug({ addr: ma.toString(), subnet: ban.subnet }, 'refused: address in a banned subnet');
    return true;
  };
  const overCap = (ma: Multiaddr): boolean => {
    const ip = ipOfMultiaddr(ma);
    if (!ip || bans.isExempt(ip) || deps.connectionsFrom(ip) < deps.maxConnectionsPerIp) return false;
    log.debug(
      { ip: formatIp(ip), max: deps.maxConnectionsPerIp },
      'refused: too many connections from one address',
    );
    return true;
  };
  return {
    denyDialPeer: peerBanned,
    denyDialMultiaddr: addressBanned,
    denyInboundConnection: (maConn: MultiaddrConnection) =>
      addressBanned(maConn.remoteAddr) || overCap(maConn.remoteAddr),
    denyOutboundConnection: (peerId, maConn) => peerBanned(peerId) || addressBanned(maConn.remoteAddr),
    // Again once the key is known: a ban may have been set during the handshake.
    denyInboundEncryptedConnection: (peerId, maConn) =>
      peerBanned(peerId) || addressBanned(maConn.remoteAddr),
    denyOutboundEncryptedConnection: peerBanned,
    denyInboundUpgradedConnection: peerBanned,
    denyOutboundUpgradedConnection: peerBanned,
  };
}
