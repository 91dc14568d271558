/**
 * setban / listbanned against two real in-process devnet nodes on loopback: bans by IP and subnet
 * with Bitcoin Core's semantics (`setban "ip(/netmask)" add|remove [bantime] [absolute]`), next to
 * bans by peer id.
 */
import { strict as assert } from 'node:assert';
import { RpcClient } from '../../../../../node/rpc/index.js';
import { startTestNode, type TestNode } from '../../../../utils/node.js';
import { rpcCode } from '../../../../utils/rpcErrors.js';

interface Banned {
  address: string;
  ban_created: number;
  banned_until: number;
  ban_duration: number;
  time_remaining: number;
  ban_reason: string;
}

describe('net RPC: setban by IP and subnet (real nodes)', function () {
  this.timeout(60_000);
  let a: TestNode;
  let b: TestNode;
  let rpcA: RpcClient;
  let rpcB: RpcClient;

  before(async () => {
    a = await startTestNode();
    b = await startTestNode();
    rpcA = new RpcClient({ url: a.node.rpc.url, cookieFile: a.node.rpc.cookieFile! });
    rpcB = new RpcClient({ url: b.node.rpc.url, cookieFile: b.node.rpc.cookieFile! });
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  const addrOf = (t: TestNode) => t.node.p2p.multiaddrs[0]!;

  it('setban 127.0.0.1 add bans the address: connections from and to it are refused until removed', async () => {
    assert.equal(await rpcA.call('setban', ['127.0.0.1', 'add']), null);
    const [ban] = (await rpcA.call('listbanned')) as Banned[];
    assert.equal(ban!.address, '127.0.0.1/32');
    assert.equal(ban!.ban_duration, 86_400);
    assert.equal(ban!.ban_reason, 'manual');
    assert.ok(ban!.time_remaining > 86_000);
    assert.equal(await rpcCode(rpcA.call('setban', ['127.0.0.1', 'add'])), -23, 'already banned');
    // Loopback is exempt from automatic address bans, not from an operator's.
    assert.equal(await rpcCode(rpcB.call('addnode', [addrOf(a), 'onetry'])), -29);
    assert.equal(await rpcCode(rpcA.call('addnode', [addrOf(b), 'onetry'])), -29);
    assert.equal(await rpcA.call('getconnectioncount'), 0);
    assert.equal(await rpcA.call('setban', ['127.0.0.1/32', 'remove']), null);
    assert.equal(await rpcCode(rpcA.call('setban', ['127.0.0.1', 'remove'])), -30);
    assert.equal(await rpcB.call('addnode', [addrOf(a), 'onetry']), null);
    assert.equal(await rpcA.call('getconnectioncount'), 1);
  });

  it('subnets by prefix or netmask, relative or absolute ban times; bad input is -30 or -8', async () => {
    assert.equal(await rpcA.call('setban', ['10.9.8.7/255.255.0.0', 'add', 3600]), null);
    const until = Math.floor(Date.now() / 1000) + 7200;
    assert.equal(await rpcA.call('setban', ['2001:db8::1/48', 'add', until, true]), null);
    const list = (await rpcA.call('listbanned')) as Banned[];
    const byAddress = new Map(list.map((e) => [e.address, e]));
    assert.equal(byAddress.get('10.9.0.0/16')?.ban_duration, 3600);
    assert.equal(byAddress.get('2001:db8::/48')?.banned_until, until);
    assert.equal(await rpcCode(rpcA.call('setban', ['10.9.0.0/16', 'add'])), -23);
    assert.equal(await rpcCode(rpcA.call('setban', ['not-an-address', 'add'])), -30);
    assert.equal(await rpcCode(rpcA.call('setban', ['10.0.0.0/33', 'add'])), -30);
    assert.equal(
      await rpcCode(rpcA.call('setban', ['10.0.0.1', 'add', 100, true])),
      -8,
      'absolute time in the past',
    );
    assert.equal(await rpcCode(rpcA.call('setban', ['10.9.0.0/24', 'remove'])), -30, 'not the subnet banned');
    assert.equal(await rpcA.call('setban', ['10.9.0.0/16', 'remove']), null);
    assert.equal(await rpcA.call('setban', ['2001:db8::/48', 'remove']), null);
    assert.deepEqual(await rpcA.call('listbanned'), []);
  });

  it('peer ids still work: listed beside subnets, -23 twice, -29 when not banned', async () => {
    const id = b.node.p2p.peerId;
    assert.equal(await rpcA.call('setban', [id, 'add', 60]), null);
    assert.equal(await rpcCode(rpcA.call('setban', [id, 'add'])), -23);
    assert.equal(await rpcA.call('setban', ['192.0.2.0/24', 'add']), null);
    const list = (await rpcA.call('listbanned')) as Banned[];
    assert.deepEqual(list.map((e) => e.address).sort(), [id, '192.0.2.0/24'].sort());
    assert.equal(await rpcA.call('setban', [id, 'remove']), null);
    assert.equal(await rpcCode(rpcA.call('setban', [id, 'remove'])), -29);
    assert.equal(await rpcA.call('setban', ['192.0.2.0/24', 'remove']), null);
  });
});
