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
       * batch, each fsynced before its write returns). With an interval no batch is fsynced
       * itself: one fsync this many ms after the first batch not yet covered covers it and every
       * batch before it (LevelDB's log is sequential, so a power failure loses at most the last
       * interval's batches, always whole batches from the end: the database stays consistent,
       * only its tip is older). An fsync per batch held initial sync of small blocks to a third of
       * its rate; an fsync in a block's write, every interval, held up its connect and its relay.
       */
      readonly syncIntervalMs?: number;
    }
  | { readonly backend: 'memory' };

export const DEFAULT_SYNC_WRITES = true;
export const DEFAULT_SYNC_INTERVAL_MS = 1000;
