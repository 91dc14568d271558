/**
 * The three networks' parameters. Frozen data, passed explicitly everywhere (never a global).
 *
 * Genesis model hash: hash of the network model's initial state (training/'s evaluator; a test
 * checks the two agree). Changing the model means re-mining genesis with scripts/genesis.ts.
 *
 * Genesis addresses: devnet's key is derived from the public string 'qenex devnet genesis key'
 * (sha256 of it is the secret key) so anyone on a devnet can spend the genesis share; main's and
 * test's keys were generated once and their secrets are not in this repository.
 */
import { workFromBits } from '../pow/work.js';
import { fromHex } from '../primitives/hash.js';
import { NETWORK_PORTS } from './ports.js';
import type { NetworkName, NetworkParams } from './types.js';

const COIN = 100_000_000n;

/** networkModelHash(initialNetworkModel()) of the network evaluator (training/model.ts). */
const INITIAL_MODEL_HASH = fromHex('4090d0ffcd05556a110329912073c235560fb211428035990b87ec17f53235fc');

const common = {
  initialSubsidy: 50n * COIN,
  halvingInterval: 210_000,
  maxSupply: 21_000_000n * COIN,
  coinbaseMaturity: 100,
  dustThreshold: 1_000n,
  genesisSharePercent: 20n,
  contributorSharePercent: 60n,
  bonusScale: 10n,
  minImprovementPpm: 1_000,
  maxImprovementPpm: 1_000_000,
  // WASM-kernel block verification at 16,384 samples: ~55 ms median, < 80 ms max (one core).
  evalSamples: 16_384,
  significanceZ100: 300,
  levelCheckSamples: 2_048,
  levelBoundPermille: 900,
  levelHoldChecks: 2,
  maxBlockSize: 1_000_000,
  maxModelUpdateSize: 800_000,
  // Verification scores one leave-one-out model per contribution: 12 keeps a block at genesis
  // size under 100 ms with the WASM kernel (npm run bench -- training).
  maxContributors: 12,
  creditSamples: 2_048,
  creditZ100: 100,
  medianTimeSpan: 11,
  maxFutureDrift: 600,
} as const;

/**
 * Main and test: before strangers download a chain from peers it must be able to weigh one retarget
 * interval (120 blocks) of proof of work at the pow limit: whoever starts the network mines that
 * far on its own, and after that a chain of cheap easy-target blocks from genesis costs at least
 * half as much work (headers bound a block's weight at twice its work). Raise it with releases to
 * the weight the network has reached, as Bitcoin Core does with nMinimumChainWork.
 */
const LAUNCH_MIN_CHAIN_WEIGHT = 120n * workFromBits(0x1f00ffff);

function freeze(p: NetworkParams): NetworkParams {
  Object.freeze(p.genesis);
  return Object.freeze(p);
}

export const mainParams: NetworkParams = freeze({
  ...common,
  name: 'main',
  magic: 0x51584e4d,
  addressPrefix: 'qxc',
  defaultP2pPort: NETWORK_PORTS.main.p2p,
  defaultRpcPort: NETWORK_PORTS.main.rpc,
  powLimitBits: 0x1f00ffff,
  targetSpacing: 30,
  retargetInterval: 120,
  noRetargeting: false,
  // a level check every 120 blocks (one hour at 30 s)
  levelWindow: 120,
  // growth when a domain gained < 0.1% over 120 blocks (an hour)
  growthStallBlocks: 120,
  growthStallPpm: 1_000,
  minChainWeight: LAUNCH_MIN_CHAIN_WEIGHT,
  // 3 minutes at 30 s: honest races fork 1-2 blocks deep
  maxLightForkDepth: 6,
  genesisPubKeyHash: fromHex('4d14c9a4fecda18552b3c253097ebac6c7595ef2'),
  genesis: {
    version: 1,
    time: 1_795_000_000,
    bits: 0x1f00ffff,
    nonce: 198354n,
    modelHash: INITIAL_MODEL_HASH,
    hash: '00003d551d55b4ae3fe2ff459ff9496cb19f306a03a9f62ab1c4d2ee3924f67f',
  },
});

export const testParams: NetworkParams = freeze({
  ...common,
  name: 'test',
  magic: 0x51584e54,
  addressPrefix: 'tqxc',
  defaultP2pPort: NETWORK_PORTS.test.p2p,
  defaultRpcPort: NETWORK_PORTS.test.rpc,
  powLimitBits: 0x1f00ffff,
  targetSpacing: 30,
  retargetInterval: 120,
  noRetargeting: false,
  // a level check every 120 blocks (one hour at 30 s)
  levelWindow: 120,
  // growth when a domain gained < 0.1% over 120 blocks (an hour)
  growthStallBlocks: 120,
  growthStallPpm: 1_000,
  minChainWeight: LAUNCH_MIN_CHAIN_WEIGHT,
  // 3 minutes at 30 s: honest races fork 1-2 blocks deep
  maxLightForkDepth: 6,
  genesisPubKeyHash: fromHex('ec330d1e09d1c0f2729f13c6d5b1f5da31f9b28e'),
  genesis: {
    version: 1,
    time: 1_795_000_001,
    bits: 0x1f00ffff,
    nonce: 63563n,
    modelHash: INITIAL_MODEL_HASH,
    hash: '0000b481e7c5d8a41fb5d7033e5636ae8582698483a846699da58e2c7e78d51c',
  },
});

/** Devnet: regtest-like, minimal fixed difficulty so blocks are instant; miners pace themselves. */
export const devnetParams: NetworkParams = freeze({
  ...common,
  name: 'devnet',
  magic: 0x51584e44,
  addressPrefix: 'dqxc',
  defaultP2pPort: NETWORK_PORTS.devnet.p2p,
  defaultRpcPort: NETWORK_PORTS.devnet.rpc,
  powLimitBits: 0x207fffff,
  targetSpacing: 2,
  retargetInterval: 150,
  noRetargeting: true,
  // a level check every 60 blocks (two minutes at 2 s)
  levelWindow: 60,
  // growth when a domain gained < 0.1% over 90 blocks (three minutes)
  growthStallBlocks: 90,
  growthStallPpm: 1_000,
  // anyone may start a devnet chain from genesis
  minChainWeight: 0n,
  // 20 seconds at 2 s: paced devnet miners race a few blocks deep
  maxLightForkDepth: 10,
  genesisPubKeyHash: fromHex('ae2acea905313bc8f7985cc30c32da4e7494cda4'),
  genesis: {
    version: 1,
    time: 1_795_000_002,
    bits: 0x207fffff,
    nonce: 0n,
    modelHash: INITIAL_MODEL_HASH,
    hash: '124ae799c35035722b667acbdb0be42ae128c2e917f68af0f41d111c52fe3c9e',
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
