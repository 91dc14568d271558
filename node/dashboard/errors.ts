import { QenexError } from '../../consensus/index.js';

export type DashboardErrorType =
  /** A file the page needs is missing (the static folder, or the uplot package). */
  | { code: 'DASHBOARD_ASSET_MISSING'; path: string; cause: string }
  /** The RPC server is not running, so no login can be derived from its credentials. */
  | { code: 'DASHBOARD_NOT_RUNNING' };

export class DashboardError extends QenexError<DashboardErrorType> {
  constructor(type: DashboardErrorType, message?: string) {
    super(type, message ?? describe(type));
    this.name = 'DashboardError';
  }
}

function describe(t: DashboardErrorType): string {
  switch (t.code) {
    case 'DASHBOARD_ASSET_MISSING':
      return `dashboard file ${t.path} cannot be read: ${t.cause}`;
    case 'DASHBOARD_NOT_RUNNING':
      return 'the dashboard is not running (it lives on the RPC server)';
  }
}
