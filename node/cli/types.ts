import type { NodeOptions } from '../config/index.js';

/** Where commands write: `out` for results (stdout), `err` for diagnostics (stderr). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/**
 * What each command does once its flags are parsed. Every handler gets the layered options
 * (flags > config file > defaults), so the client commands find the node's RPC port and
 * cookie the same way the node does.
 */
export interface CliHandlers {
  /** `qenex node`: run the node until it is stopped. */
  node(opts: NodeOptions): Promise<void>;
  /** `qenex status`: one-shot summary from the running node. */
  status(opts: NodeOptions): Promise<void>;
  /** `qenex dashboard`: a login link to the running node's web dashboard (getdashboardurl). */
  dashboard(opts: NodeOptions): Promise<void>;
  /** `qenex chain verify`: re-validate the stored chain. */
  chainVerify(opts: NodeOptions): Promise<void>;
  /** `qenex mine status`: the running node's mining state. */
  mineStatus(opts: NodeOptions): Promise<void>;
  /** `qenex ai status`: the chain model and the local trainer (getmodelinfo + gettraininginfo). */
  aiStatus(opts: NodeOptions): Promise<void>;
  /** `qenex ai improvements --last N`: recent verified improvements (getimprovements). */
  aiImprovements(opts: NodeOptions, last: number): Promise<void>;
  /** `qenex ai generate PROMPT`: text continuation by the chain model (generate). */
  aiGenerate(opts: NodeOptions, prompt: string, gen: AiGenerateFlags): Promise<void>;
  /** `qenex ai predict DOMAIN INPUT`: the chain model's answer (predict). */
  aiPredict(opts: NodeOptions, domain: string, input: string): Promise<void>;
  /** `qenex rpc METHOD [PARAMS...]`: params as typed on the command line. */
  rpc(opts: NodeOptions, method: string, params: readonly string[]): Promise<void>;
}

/** `qenex ai generate` flags; each left out takes the RPC method's default. */
export interface AiGenerateFlags {
  readonly length?: number;
  readonly seed?: number;
  readonly temperature?: number;
}
