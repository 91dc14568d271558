/** Consensus and network parameters: one frozen object per network, passed explicitly. */
export type NetworkName = 'main' | 'test' | 'devnet';

export interface NetworkParams {
  readonly name: NetworkName;
  /** 4-byte network magic, also mixed into signature hashes to stop cross-network replay. */
  readonly magic: number;
  /** bech32 human-readable prefix for addresses (`qxc`, `tqxc`, `dqxc`). */
  readonly addressPrefix: string;
  readonly defaultP2pPort: number;
  readonly defaultRpcPort: number;

  // --- proof of work ---
  /** Easiest allowed target, compact form. */
  readonly powLimitBits: number;
  /** Target seconds between blocks. */
  readonly targetSpacing: number;
  /** Blocks between difficulty retargets. */
  readonly retargetInterval: number;
  /** Regtest-style: difficulty never changes (devnet). */
  readonly noRetargeting: boolean;
  /** Max seconds a block's time may be ahead of the validating node's clock. */
  readonly maxFutureDrift: number;
  /** Number of previous blocks whose median time a new block must exceed. */
  readonly medianTimeSpan: number;

  // --- money (all amounts in base units, 1 QXC = 100,000,000) ---
  readonly initialSubsidy: bigint;
  readonly halvingInterval: number;
  readonly maxSupply: bigint;
  readonly coinbaseMaturity: number;
  /** Outputs below this are dust and rejected. */
  readonly dustThreshold: bigint;
  /** Share of the coinbase paid to the genesis address, in percent (20). */
  readonly genesisSharePercent: bigint;
  /**
   * Share of a block's improvement bonus paid to the contributors of its model update, in percent
   * (60: of the bonus, 20% goes to the genesis address as for all reward, 60% to the contributors
   * by measured credit, paid by the next block, the rest to the miner). See consensus/money.ts.
   */
  readonly contributorSharePercent: bigint;
  /** Improvement bonus per ppm of verified gain, in ppm of the base subsidy (10; the bonus is capped at one base subsidy). */
  readonly bonusScale: bigint;
  /** 20-byte public-key hash of the network's genesis address. */
  readonly genesisPubKeyHash: Uint8Array;

  // --- proof of improvement ---
  /** Minimum verified improvement, parts per million of evaluation accuracy (1000 = 0.1%). */
  readonly minImprovementPpm: number;
  /** Bonus bound: improvement counted toward reward and weight is capped here (1e6 = ×2). */
  readonly maxImprovementPpm: number;
  /** Evaluation samples drawn per block. */
  readonly evalSamples: number;
  /**
   * Significance of an improvement, z × 100 of a one-sided sign (McNemar) test on the samples
   * where parent and child disagree: valid only if gain² · 10⁴ ≥ z100² · disagreements
   * (poi/improvement.ts). 300: an update with no real gain passes on ~0.1% of block hashes.
   */
  readonly significanceZ100: number;

  /**
   * Capacity growth (poi/growth.ts): an update may widen the model (evaluator.grow) only when no
   * growth happened in the last `growthStallBlocks` blocks and, over those blocks, some domain's
   * verified gain sums to less than `growthStallPpm` (that domain stalled).
   */
  readonly growthStallBlocks: number;
  readonly growthStallPpm: number;

  // --- difficulty levels of generated domains (poi/levels.ts) ---
  /** A level check runs at every height that is a multiple of this. */
  readonly levelWindow: number;
  /** Tasks per leveled domain in one level check. */
  readonly levelCheckSamples: number;
  /** A check passes when correct · 1000 ≥ this · levelCheckSamples. */
  readonly levelBoundPermille: number;
  /** Consecutive passing checks after which the level rises (and the streak restarts). */
  readonly levelHoldChecks: number;

  // --- limits ---
  readonly maxBlockSize: number;
  readonly maxModelUpdateSize: number;
  /** Contributions one update may carry (verification scores one leave-one-out model per contribution). */
  readonly maxContributors: number;
  /** Disagreement samples (the first, in sample order) each contribution's credit is measured on (poi/credit.ts). */
  readonly creditSamples: number;
  /** Noise margin of a contribution's credit, z × 100 (poi/credit.ts): credit = g − l − ⌊√(z²(g + l))⌋. */
  readonly creditZ100: number;

  // --- branch anti-DoS (what a node downloads and validates from peers: p2p/branchPolicy.ts) ---
  /**
   * Least fork-choice weight a chain must be able to reach before a node downloads or validates
   * its blocks from peers (Bitcoin Core's nMinimumChainWork; qenex measures weight, its fork-choice
   * quantity, bounded from headers by forkChoice's maxBlockWeight). Raised with releases toward
   * the weight the network had then; 0 where anyone may start a chain (devnet).
   */
  readonly minChainWeight: bigint;
  /**
   * Deepest fork, in blocks below the best tip, whose blocks a node downloads or validates while
   * the branch's headers cannot yet outweigh the best chain. Shallow side branches are kept for a
   * quick reorganization; a deeper one is fetched only once its headers show it can win.
   */
  readonly maxLightForkDepth: number;

  // --- genesis ---
  readonly genesis: GenesisSpec;
}

export interface GenesisSpec {
  readonly version: number;
  readonly time: number;
  readonly bits: number;
  readonly nonce: bigint;
  /** Hash of the initial model (from training/'s deterministic initialiser). */
  readonly modelHash: Uint8Array;
  /** Expected block hash, hex (display order = raw bytes, no reversal). */
  readonly hash: string;
}
