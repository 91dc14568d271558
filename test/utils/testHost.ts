/** A started libp2p host built the way a node builds it (p2p/host.ts), for tests below P2pNode. */
import { generateKeyPair } from '@libp2p/crypto/keys';
import { createHost, type Host } from '../../p2p/host.js';
import { BanManager, type P2pOptions, resolveP2pOptions } from '../../p2p/index.js';

const silent = { debug() {}, info() {}, warn() {} };

export async function startTestHost(opts: Partial<P2pOptions>): Promise<Host> {
  const bans = new BanManager(
    { banThreshold: 100, banDurationMs: 60_000, scoreDecayPerHour: 0, maxTrackedPeers: 100, maxBans: 100 },
    { clock: Date.now },
  );
  const host = await createHost(resolveP2pOptions(opts), {
    network: 'devnet',
    privateKey: await generateKeyPair('Ed25519'),
    bans,
    log: silent,
  });
  await host.start();
  return host;
}
