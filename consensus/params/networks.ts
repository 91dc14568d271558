/**
 * The three networks' parameters. Frozen data, passed explicitly everywhere (never a global).
 *
 * Genesis model hash: the all-zero hash stands for "no model yet" until the training layer
 * defines the network's initial model; changing it means re-mining genesis with
 * scripts/genesis.ts.
 *
 * Genesis addresses: devnet's key is derived from the public string 'qenex devnet genesis key'
 * (sha256 of it is the secret key) so anyone on a devnet can spend the genesis share; main's and
 * test's keys were generated once and their secrets are not in this repository.
 */
import { fromHex, ZERO_HASH } from '../primitives/hash.js';
import type { NetworkName, NetworkParams } from './types.js';

const COIN = 100_000_000n;

const common = {
  initialSubsidy: 50n * COIN,
  halvingInterval: 210_000,
  maxSupply: 21_000_000n * COIN,
  coinbaseMaturity: 100,
  dustThreshold: 1_000n,
  genesisSharePercent: 20n,
  minImprovementPpm: 1_000,
  maxImprovementPpm: 1_000_000,
  evalSamples: 4_096,
  maxBlockSize: 1_000_000,
  maxModelUpdateSize: 800_000,
  maxContributors: 64,
  medianTimeSpan: 11,
  maxFutureDrift: 600,
} as const;

function freeze(p: NetworkParams): NetworkParams {
  Object.freeze(p.genesis);
  return Object.freeze(p);
}

export const mainParams: NetworkParams = freeze({
  ...common,
  name: 'main',
  magic: 0x51584e4d,
  addressPrefix: 'qxc',
  defaultP2pPort: 8333,
  defaultRpcPort: 8332,
  powLimitBits: 0x1f00ffff,
  targetSpacing: 30,
  retargetInterval: 120,
  noRetargeting: false,
  genesisPubKeyHash: fromHex('4d14c9a4fecda18552b3c253097ebac6c7595ef2'),
  genesis: {
    version: 1,
    time: 1_795_000_000,
    bits: 0x1f00ffff,
    nonce: 118302n,
    modelHash: ZERO_HASH,
    hash: '0000dcb068f5614d1b8ab6789668711e179f9bc66231486d3bc61aa69fc2f460',
  },
});

export const testParams: NetworkParams = freeze({
  ...common,
  name: 'test',
  magic: 0x51584e54,
  addressPrefix: 'tqxc',
  defaultP2pPort: 18333,
  defaultRpcPort: 18332,
  powLimitBits: 0x1f00ffff,
  targetSpacing: 30,
  retargetInterval: 120,
  noRetargeting: false,
  genesisPubKeyHash: fromHex('ec330d1e09d1c0f2729f13c6d5b1f5da31f9b28e'),
  genesis: {
    version: 1,
    time: 1_795_000_001,
    bits: 0x1f00ffff,
    nonce: 63274n,
    modelHash: ZERO_HASH,
    hash: '00009ace7d082b12d3d8ca55f8d3b5219b27312bdbc9d532a98cd05904534469',
  },
});

/** Devnet: regtest-like, minimal fixed difficulty so blocks are instant; miners pace themselves. */
export const devnetParams: NetworkParams = freeze({
  ...common,
  name: 'devnet',
  magic: 0x51584e44,
  addressPrefix: 'dqxc',
  defaultP2pPort: 18444,
  defaultRpcPort: 18443,
  powLimitBits: 0x207fffff,
  targetSpacing: 2,
  retargetInterval: 150,
  noRetargeting: true,
  genesisPubKeyHash: fromHex('ae2acea905313bc8f7985cc30c32da4e7494cda4'),
  genesis: {
    version: 1,
    time: 1_795_000_002,
    bits: 0x207fffff,
    nonce: 2n,
    modelHash: ZERO_HASH,
    hash: '03d051d07244d5c807ab546861331be81fbd44d32e0edbaec229461d494d0db2',
  },
});

export const NETWORKS: Readonly<Record<NetworkName, NetworkParams>> = Object.freeze({
  main: mainParams,
  test: testParams,
  devnet: devnetParams,
});

export function isNetworkName(s: string): s is NetworkName {
  return s === 'main' || s === 'test' || s === 'devnet';
}
