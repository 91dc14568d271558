/**
 * Model checkpoints: every model a block update produced (on any branch) is stored under its model
 * hash, so a side block's improvement can be measured against its parent's model and a reorg can
 * restore the tip model. Decoded models are cached (small LRU).
 */
import { type Evaluator, equalBytes, type Hash, toHex } from '../../consensus/index.js';
import type { ChainDb } from '../db/index.js';
import { ChainError } from './errors.js';

export class ModelStore<M> {
  private readonly cache = new Map<string, M>();

  constructor(
    private readonly db: ChainDb,
    private readonly evaluator: Evaluator<M>,
    private readonly cacheSize: number,
  ) {}

  /** The model with hash `modelHash`; throws CHAIN_MODEL_MISSING if there is no valid checkpoint. */
  async get(modelHash: Hash): Promise<M> {
    const m = await this.find(modelHash);
    if (m === undefined) throw new ChainError({ code: 'CHAIN_MODEL_MISSING', modelHash: toHex(modelHash) });
    return m;
  }

  /** The model with hash `modelHash`, or undefined when no checkpoint is stored. */
  async find(modelHash: Hash): Promise<M | undefined> {
    const hex = toHex(modelHash);
    const hit = this.cache.get(hex);
    if (hit !== undefined) {
      this.cache.delete(hex);
      this.cache.set(hex, hit);
      return hit;
    }
    const bytes = await this.db.getModel(modelHash);
    if (!bytes) return undefined;
    let model: M;
    try {
      model = this.evaluator.decodeModel(bytes);
    } catch {
      throw new ChainError(
        { code: 'CHAIN_MODEL_MISSING', modelHash: hex },
        `model checkpoint ${hex} does not decode`,
      );
    }
    if (!equalBytes(this.evaluator.modelHash(model), modelHash)) {
      throw new ChainError(
        { code: 'CHAIN_MODEL_MISSING', modelHash: hex },
        `model checkpoint ${hex} has another hash`,
      );
    }
    this.remember(modelHash, model);
    return model;
  }

  remember(modelHash: Hash, model: M): void {
    const hex = toHex(modelHash);
    this.cache.delete(hex);
    this.cache.set(hex, model);
    while (this.cache.size > this.cacheSize) this.cache.delete(this.cache.keys().next().value as string);
  }
}
