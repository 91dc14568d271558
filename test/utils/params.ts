/**
 * Bitcoin-like NetworkParams for consensus math tests (10-minute blocks, 2016-block retargets,
 * 50-coin subsidy, 21M cap), independent of qenex's own network params so the rules are checked
 * against the numbers Bitcoin Core's tests use. `powLimitBits` defaults to regtest's.
 */
import type { NetworkParams } from '../../consensus/params/types.js';

export function testParams(overrides: Partial<NetworkParams> = {}): NetworkParams {
  const powLimitBits = overrides.powLimitBits ?? 0x207fffff;
  return {
    name: 'devnet',
    magic: 0x0b110907,
    addressPrefix: 'dqxc',
    defaultP2pPort: 0,
    defaultRpcPort: 0,
    powLimitBits,
    targetSpacing: 600,
    retargetInterval: 2016,
    noRetargeting: false,
    maxFutureDrift: 7200,
    medianTimeSpan: 11,
    initialSubsidy: 5_000_000_000n,
    halvingInterval: 210_000,
    maxSupply: 2_100_000_000_000_000n,
    coinbaseMaturity: 100,
    dustThreshold: 546n,
    genesisSharePercent: 20n,
    contributorSharePercent: 60n,
    bonusScale: 10n,
    genesisPubKeyHash: new Uint8Array(20),
    minImprovementPpm: 1000,
    maxImprovementPpm: 1_000_000,
    evalSamples: 256,
    significanceZ100: 300,
    levelWindow: 10,
    growthStallBlocks: 20,
    growthStallPpm: 1_000,
    levelCheckSamples: 64,
    levelBoundPermille: 900,
    levelHoldChecks: 2,
    maxBlockSize: 1_000_000,
    maxModelUpdateSize: 1_000_000,
    maxContributors: 16,
    creditSamples: 1_024,
    creditZ100: 200,
    minChainWeight: 0n,
    maxLightForkDepth: 6,
    genesis: { version: 1, time: 0, bits: powLimitBits, nonce: 0n, modelHash: new Uint8Array(32), hash: '' },
    ...overrides,
  };
}
