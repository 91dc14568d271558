/** A coin the selector may spend: only its value matters to the algorithms. */
export interface SelectableCoin {
  readonly value: bigint;
}

export type SelectionAlgorithm = 'bnb' | 'largest-first';
export type SelectionStrategy = 'auto' | 'largest-first';

export interface SelectionRequest<C extends SelectableCoin> {
  /** Candidate coins, all spendable. */
  readonly coins: readonly C[];
  /** Payment output amounts (the change output, if any, is added by the selector). */
  readonly amounts: readonly bigint[];
  /** Units per 1000 bytes. */
  readonly feeRate: bigint;
  /** Units per 1000 bytes expected when spending change later (waste metric, cost of change). */
  readonly longTermFeeRate: bigint;
  /** Smallest allowed output; change below it goes to the fee instead. */
  readonly dustThreshold: bigint;
  /** 'auto' (default): branch-and-bound, then largest-first when it finds no changeless solution. */
  readonly strategy?: SelectionStrategy;
  /** Branch-and-bound search bound. Default 100,000. */
  readonly maxTries?: number;
}

export interface SelectionResult<C extends SelectableCoin> {
  readonly inputs: readonly C[];
  /** Exact fee paid: inputs - amounts - change. */
  readonly fee: bigint;
  /** Change amount; 0n when there is no change output. */
  readonly change: bigint;
  /** Exact serialized size of the final transaction. */
  readonly size: number;
  readonly algorithm: SelectionAlgorithm;
}
