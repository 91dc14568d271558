/** The node's web dashboard, on the RPC port under /dashboard (dashboard.ts; docs/operations.md). */
export { Dashboard, type DashboardDeps, type LoginLink } from './dashboard.js';
export { DashboardError, type DashboardErrorType } from './errors.js';
export {
  checkLoginToken,
  hostAllowed,
  mintLoginToken,
  readCookie,
  SessionStore,
  sameOrigin,
} from './login.js';
export type { DashboardOptions } from './options.js';
export { dashboardMethods } from './rpc.js';
