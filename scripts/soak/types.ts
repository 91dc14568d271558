/** Records of a soak run (see scripts/soak.ts). */

/** One model domain's held-out score in one poll. */
export interface DomainScore {
  readonly domain: string;
  /** The domain's level, or null when the node does not report one. */
  readonly level: number | null;
  readonly correct: number;
  readonly total: number;
  readonly accuracy: number;
}

/** One poll of a node: chain height and the chain model's held-out scores. */
export interface SoakSample {
  /** Seconds since the soak started (the nodes were spawned). */
  readonly elapsedS: number;
  readonly timeIso: string;
  /** Index of the node that answered. */
  readonly node: number;
  readonly height: number;
  readonly modelVersion: number | string | null;
  readonly parameters: number | string | null;
  readonly domains: readonly DomainScore[];
}

/** One best-chain block that carries a verified model improvement. */
export interface SoakBlock {
  readonly height: number;
  readonly hash: string;
  /** Block header time, Unix seconds. */
  readonly time: number;
  /** Block time minus the soak's start, in seconds. */
  readonly elapsedS: number;
  readonly improvementPpm: number;
  readonly claimedPpm: number;
  /** Contributions the update carries. */
  readonly contributors: number;
  /** QXC the next block pays them (by measured credit). */
  readonly contributorPay: number;
}
