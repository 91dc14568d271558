import { strict as assert } from 'node:assert';
import { multiaddr } from '@multiformats/multiaddr';
import { P2pError } from '../../../p2p/index.js';
import {
  formatIp,
  formatSubnet,
  hostSubnet,
  ipOfMultiaddr,
  netgroupOf,
  parseIp,
  parseSubnet,
  subnetContains,
} from '../../../p2p/subnet.js';

const ip = (s: string) => {
  const r = parseIp(s);
  assert.ok(r, s);
  return r;
};

describe('p2p subnets', () => {
  it('parses setban forms to canonical subnets (host bits cleared)', () => {
    for (const [input, canonical] of [
      ['1.2.3.4', '1.2.3.4/32'],
      ['1.2.3.4/24', '1.2.3.0/24'],
      ['1.2.3.4/255.255.0.0', '1.2.0.0/16'],
      ['10.0.0.0/8', '10.0.0.0/8'],
      ['0.0.0.0/0', '0.0.0.0/0'],
      ['2001:db8:1:2::5', '2001:db8:1:2::5/128'],
      ['2001:DB8:1:2::5/48', '2001:db8:1::/48'],
      ['[::1]', '::1/128'],
      ['fe80::1%eth0/64', 'fe80::/64'],
      ['1:0:0:1:0:0:0:1', '1:0:0:1::1/128'],
      ['1:0:0:2:0:0:3:4', '1::2:0:0:3:4/128'],
      ['2001:db8::/ffff:ffff:ffff::', '2001:db8::/48'],
      // IPv4-mapped addresses are IPv4 (a dual-stack socket reports IPv4 peers this way).
      ['::ffff:1.2.3.4', '1.2.3.4/32'],
      ['::ffff:1.2.3.4/120', '1.2.3.0/24'],
    ]) {
      assert.equal(formatSubnet(parseSubnet(input!)), canonical, input);
      assert.equal(formatSubnet(parseSubnet(canonical!)), canonical, `${canonical} round-trips`);
    }
  });

  it('rejects what is not an IP or subnet with a typed error', () => {
    for (const bad of [
      '',
      'localhost',
      '1.2.3',
      '01.2.3.4',
      '1.2.3.4/33',
      '1.2.3.4/-1',
      '1.2.3.4/',
      '1.2.3.4/255.0.255.0',
      '1.2.3.4/ffff::',
      '::1/129',
      '12D3KooWCPd3ScA2ZFfeqMnW9o4PGhzRbt2wBrRDmSCWdom6L8Gj',
    ]) {
      assert.throws(
        () => parseSubnet(bad),
        (e: unknown) => e instanceof P2pError && e.type.code === 'P2P_INVALID_SUBNET',
        bad,
      );
    }
  });

  it('matches addresses, per family', () => {
    const net = parseSubnet('192.168.1.0/24');
    assert.ok(subnetContains(net, ip('192.168.1.77')));
    assert.ok(!subnetContains(net, ip('192.168.2.1')));
    assert.ok(subnetContains(net, ip('::ffff:192.168.1.9')));
    assert.ok(!subnetContains(parseSubnet('::/0'), ip('1.2.3.4')), 'families never mix');
    assert.ok(subnetContains(parseSubnet('0.0.0.0/0'), ip('8.8.8.8')));
    assert.ok(subnetContains(parseSubnet('2001:db8::/32'), ip('2001:db8:ffff::1')));
  });

  it('netgroups are the IPv4 /24 and the IPv6 /48', () => {
    assert.equal(formatSubnet(netgroupOf(ip('203.0.113.77'))), '203.0.113.0/24');
    assert.equal(formatSubnet(netgroupOf(ip('2001:db8:aaaa:bbbb::1'))), '2001:db8:aaaa::/48');
    assert.equal(formatSubnet(hostSubnet(ip('203.0.113.77'))), '203.0.113.77/32');
    assert.equal(formatIp(ip('::')), '::');
  });

  it('reads the IP of a multiaddr', () => {
    assert.equal(
      formatIp(
        ipOfMultiaddr(
          multiaddr('/ip4/127.0.0.1/tcp/1/p2p/12D3KooWCPd3ScA2ZFfeqMnW9o4PGhzRbt2wBrRDmSCWdom6L8Gj'),
        )!,
      ),
      '127.0.0.1',
    );
    assert.equal(formatIp(ipOfMultiaddr(multiaddr('/ip6/::1/tcp/1'))!), '::1');
    assert.equal(ipOfMultiaddr(multiaddr('/dns4/example.org/tcp/1')), undefined);
  });
});
