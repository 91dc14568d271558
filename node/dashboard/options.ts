export interface DashboardOptions {
  /** Path prefix on the RPC port. Default '/dashboard'. */
  readonly prefix?: string;
  /** How long a login link printed by `qenex dashboard` stays valid, ms. Default 15 minutes. */
  readonly loginTtlMs?: number;
  /** How long a browser session lasts, ms. Default 12 hours (and never past a node restart). */
  readonly sessionTtlMs?: number;
  /** Sessions held at once; the oldest is dropped first. Default 64. */
  readonly maxSessions?: number;
  /** Dashboard WebSockets open at once; more are refused. Default 16. */
  readonly maxClients?: number;
  /** Period of the live status push (peers, mempool, hash rate, training), ms. Default 2000. */
  readonly refreshMs?: number;
  /** Shortest time between two pushes of the tip (and model) state, ms. Default 1000. */
  readonly tipThrottleMs?: number;
  /** Model changes (points per domain) in the score chart. Default 200. */
  readonly historyPoints?: number;
  /** Improvements listed. Default 10. */
  readonly improvements?: number;
}

export type ResolvedDashboardOptions = Required<DashboardOptions>;

export const DASHBOARD_DEFAULTS: ResolvedDashboardOptions = Object.freeze({
  prefix: '/dashboard',
  loginTtlMs: 15 * 60_000,
  sessionTtlMs: 12 * 3600_000,
  maxSessions: 64,
  maxClients: 16,
  refreshMs: 2000,
  tipThrottleMs: 1000,
  historyPoints: 200,
  improvements: 10,
});

export function resolveDashboardOptions(opts: DashboardOptions): ResolvedDashboardOptions {
  const out: Record<string, unknown> = { ...DASHBOARD_DEFAULTS };
  for (const [k, v] of Object.entries(opts)) if (v !== undefined) out[k] = v;
  return out as ResolvedDashboardOptions;
}
