/**
 * IP addresses and subnets for address bans and the connection gater: parsing (Bitcoin Core's
 * setban forms `ip`, `ip/prefix`, `ip/netmask`), matching, canonical text, and the netgroup of an
 * address (its IPv4 /24 or IPv6 /48: one operator's block, what a ban extends to).
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is the IPv4 address: a dual-stack listener reports
 * IPv4 peers that way, and a ban must not be evaded by switching notation.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Multiaddr } from '@multiformats/multiaddr';
import { P2pError } from './errors.js';

export interface IpAddress {
  readonly family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

/** The addresses whose first `prefix` bits equal `bytes`' (bits after the prefix are zero). */
export interface Subnet extends IpAddress {
  readonly prefix: number;
}

/** Bits a netgroup keeps: an IPv4 /24, an IPv6 /48. */
export const NETGROUP_PREFIX: Readonly<Record<4 | 6, number>> = Object.freeze({ 4: 24, 6: 48 });

const V4_MAPPED_PREFIX = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff);

function invalid(subnet: string, detail: string): P2pError {
  return new P2pError({ code: 'P2P_INVALID_SUBNET', subnet, detail });
}

function parseV4(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

/** Expands a valid IPv6 literal (net.isIPv6 said so; zone id already removed) to 16 bytes. */
function parseV6(text: string): Uint8Array {
  const out = new Uint8Array(16);
  let groups = text;
  let tail: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tail = parseV4(text.slice(lastColon + 1));
    groups = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = groups.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const words = [...left, ...new Array<string>(8 - left.length - right.length).fill('0'), ...right];
  words.forEach((w, i) => {
    const v = Number.parseInt(w, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  if (tail) out.set(tail, 12);
  return out;
}

function isV4Mapped(bytes: Uint8Array): boolean {
  return bytes.length === 16 && V4_MAPPED_PREFIX.every((b, i) => bytes[i] === b);
}

/** Parses an IP literal; undefined when `text` is not one. */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { family: 4, bytes: parseV4(text) };
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!isIPv6(bare)) return undefined;
  const bytes = parseV6(bare.split('%')[0]!);
  return isV4Mapped(bytes) ? { family: 4, bytes: bytes.slice(12) } : { family: 6, bytes };
}

function bitLength(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** `bytes` with every bit after `prefix` cleared. */
function masked(bytes: Uint8Array, prefix: number): Uint8Array {
  const out = bytes.slice();
  for (let bit = prefix; bit < out.length * 8; bit++) out[bit >> 3]! &= ~(0x80 >> (bit & 7));
  return out;
}

/** Prefix length of a contiguous netmask, or undefined when the mask has holes. */
function maskPrefix(mask: Uint8Array): number | undefined {
  let prefix = 0;
  while (prefix < mask.length * 8 && (mask[prefix >> 3]! & (0x80 >> (prefix & 7))) !== 0) prefix++;
  return masked(mask, prefix).every((b, i) => b === mask[i]) ? prefix : undefined;
}

export function subnetOf(ip: IpAddress, prefix: number): Subnet {
  return { family: ip.family, bytes: masked(ip.bytes, prefix), prefix };
}

/** The single-address subnet of `ip` (/32 or /128). */
export function hostSubnet(ip: IpAddress): Subnet {
  return subnetOf(ip, bitLength(ip.family));
}

export function netgroupOf(ip: IpAddress): Subnet {
  return subnetOf(ip, NETGROUP_PREFIX[ip.family]);
}

/**
 * Parses `ip`, `ip/prefix` or `ip/netmask` (Bitcoin Core's setban). Host bits are cleared
 * (1.2.3.4/24 is 1.2.3.0/24); an IPv4-mapped subnet of /96 or longer is the IPv4 subnet.
 * Throws P2pError P2P_INVALID_SUBNET.
 */
export function parseSubnet(text: string): Subnet {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip) throw invalid(text, `${JSON.stringify(addrText)} is not an IP address`);
  if (slash < 0) return hostSubnet(ip);
  const maskText = text.slice(slash + 1);
  let prefix: number | undefined;
  if (/^\d{1,3}$/.test(maskText)) {
    prefix = Number(maskText);
    // A mapped address was already turned into IPv4: its prefix counts from bit 96.
    if (ip.family === 4 && isIPv6(addrText.replace(/^\[|\]$/g, ''))) prefix -= 96;
  } else {
    const mask = parseIp(maskText);
    if (!mask || mask.family !== ip.family) {
      throw invalid(
        text,
        `${JSON.stringify(maskText)} is neither a prefix length nor an IPv${ip.family} netmask`,
      );
    }
    prefix = maskPrefix(mask.bytes);
    if (prefix === undefined) throw invalid(text, `netmask ${maskText} is not contiguous`);
  }
  if (prefix < 0 || prefix > bitLength(ip.family)) {
    throw invalid(text, `prefix length outside 0..${bitLength(ip.family)}`);
  }
  return subnetOf(ip, prefix);
}

export function subnetContains(subnet: Subnet, ip: IpAddress): boolean {
  if (subnet.family !== ip.family) return false;
  const m = masked(ip.bytes, subnet.prefix);
  return m.every((b, i) => b === subnet.bytes[i]);
}

export function formatIp(ip: IpAddress): string {
  if (ip.family === 4) return ip.bytes.join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((ip.bytes[i]! << 8) | ip.bytes[i + 1]!);
  // RFC 5952: the longest run (two or more) of zero words becomes '::', the first one on a tie.
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Canonical text: `1.2.3.0/24`, `2001:db8::/48`, `127.0.0.1/32`. Parses back to the same subnet. */
export function formatSubnet(s: Subnet): string {
  return `${formatIp(s)}/${s.prefix}`;
}

/** A subnet as libp2p's multiaddr form of an IP network: `/ip4/10.0.0.0/ipcidr/8`. */
export function subnetMultiaddr(s: Subnet): string {
  return `/ip${s.family}/${formatIp(s)}/ipcidr/${s.prefix}`;
}

/** The IP address of a multiaddr (its /ip4 or /ip6 component), if it has one. */
export function ipOfMultiaddr(ma: Multiaddr): IpAddress | undefined {
  const c = ma.getComponents().find((x) => x.name === 'ip4' || x.name === 'ip6');
  return c?.value === undefined ? undefined : parseIp(c.value);
}
