/**
 * The calling thread's own time on a CPU and waiting for one, from Linux's
 * /proc/thread-self/schedstat (nanoseconds: on a CPU, waiting on a run queue, timeslices). A
 * job's wall time on a busy machine mixes the two; the split tells work from contention (a
 * scoring thread at a low priority waits for a core while every node of a netsim scores the same
 * block). Null where the file does not exist (not Linux, or a kernel without schedstats).
 */
import { readFileSync } from 'node:fs';

export interface ThreadTime {
  /** ns on a CPU. */
  readonly runNs: number;
  /** ns runnable but waiting for a CPU. */
  readonly waitNs: number;
}

export function threadTime(): ThreadTime | null {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').trim().split(/\s+/);
    const runNs = Number(run);
    const waitNs = Number(wait);
    return Number.isFinite(runNs) && Number.isFinite(waitNs) ? { runNs, waitNs } : null;
  } catch {
    return null;
  }
}

/** A job's times on one thread, ms: wall, on a CPU and waiting for one (null: not measurable). */
export interface JobTiming {
  readonly wallMs: number;
  readonly cpuMs: number | null;
  readonly waitMs: number | null;
}

/** Starts timing a job on the calling thread; the returned function gives its times so far. */
export function startJobTiming(): () => JobTiming {
  const t0 = performance.now();
  const s0 = threadTime();
  return () => {
    const s1 = s0 ? threadTime() : null;
    return {
      wallMs: performance.now() - t0,
      cpuMs: s0 && s1 ? (s1.runNs - s0.runNs) / 1e6 : null,
      waitMs: s0 && s1 ? (s1.waitNs - s0.waitNs) / 1e6 : null,
    };
  };
}
