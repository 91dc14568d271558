/** Which storage backend the chain database uses. */
export type ChainDbOptions =
  | {
      readonly backend: 'level';
      /** Directory of the LevelDB database (created if missing). */
      readonly path: string;
      /**
       * fsync every batch (default true). Without it a crash of the process still loses nothing
       * (writes are in the OS), but a power failure can lose the last batches.
       */
      readonly sync?: boolean;
    }
  | { readonly backend: 'memory' };

export const DEFAULT_SYNC_WRITES = true;
