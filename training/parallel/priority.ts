/**
 * Thread priority for the scoring threads. A node's scoring (a model update's verification, a
 * miner's proposal) is throughput work; relaying blocks and answering peers on the node's own
 * thread is latency work. On a machine short of cores the scheduler shares the CPU between every
 * runnable thread alike, so a node relayed blocks late while its scoring threads were busy (a
 * 32-node netsim on 2 cores: blocks mined seconds after an update block reached nodes in up to
 * 2 s, against 0.1–0.3 s otherwise). Lowering the scoring threads' priority (a higher nice value)
 * lets the node's thread run first; on an idle machine it changes nothing.
 *
 * How far below: 5 nice levels (CFS weight 335 against the node thread's 1,024). At 10 (weight
 * 110) the 32-node netsim's scoring threads spent most of an update block's verification waiting
 * for a core (the worker's run-queue wait, thread schedstat: p50 2–8 s for 45–110 ms of CPU), the
 * nodes' own threads taking the rest; the update block connected everywhere 5–10 s after it
 * arrived, a late neighbour fell 2 blocks behind a miner, and a healed partition took 18.5 s to
 * one tip (docs/netsim.md, 2026-12-07 diagnostic runs). At 5, with arrival still at p99 0.4–0.6 s.
 *
 * Linux keeps a nice value per thread, and setpriority(PRIO_PROCESS, 0) (os.setPriority(0, …))
 * sets the calling thread's. Elsewhere it would set the whole process's, so there this does
 * nothing.
 */
import { getPriority, setPriority } from 'node:os';

/** Nice levels the node's scoring threads run below its own thread (default of the options). */
export const SCORING_NICE = 5;

/**
 * Raises the calling thread's nice value by `increment` (capped at 19, the lowest priority; 0:
 * unchanged) and returns the thread's nice value afterwards; null where threads have none of
 * their own (not Linux) or the call was refused.
 */
export function lowerThreadPriority(increment: number): number | null {
  if (process.platform !== 'linux') return null;
  try {
    if (increment > 0) setPriority(0, Math.min(19, getPriority(0) + Math.floor(increment)));
    return getPriority(0);
  } catch {
    return null;
  }
}
