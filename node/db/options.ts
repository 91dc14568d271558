/** Which storage backend the chain database uses. */
export type ChainDbOptions =
  | {
      readonly backend: 'level';
      /** Directory of the LevelDB database (created if missing). */
      readonly path: string;
      /**
       * fsync the write-ahead log (default true). Without it a crash of the process still loses
       * nothing (every batch is in the OS when its write returns), but a power failure can lose
       * the last batches.
       */
      readonly sync?: boolean;
      /**
       * With `sync`, at most one fsync per this many ms (group commit; default 1000, 0: every
       * batch). A batch written within the interval of the last fsync is not fsynced itself; one
       * fsync at the interval's end covers it and every batch before it (LevelDB's log is
       * sequential, so a power failure loses at most the last interval's batches, always whole
       * batches from the end: the database stays consistent, only its tip is older). An fsync
       * per batch held initial sync of small blocks to a third of its rate.
       */
      readonly syncIntervalMs?: number;
    }
  | { readonly backend: 'memory' };

export const DEFAULT_SYNC_WRITES = true;
export const DEFAULT_SYNC_INTERVAL_MS = 1000;
