/** The dashboard's RPC namespace: `getdashboardurl`, which `qenex dashboard` calls. */
import { defineMethod, RPC_MISC_ERROR, type RpcMethod, rpcError } from '../rpc/index.js';
import type { Dashboard } from './dashboard.js';

export function dashboardMethods(dashboard: () => Pick<Dashboard, 'loginLink'> | null): RpcMethod[] {
  return [
    defineMethod({
      name: 'getdashboardurl',
      description:
        "Returns a login link to the node's web dashboard (url, with a token in its fragment) and until when it can be used (expires, unix seconds). The page exchanges the token for a browser session; a node restart (new RPC cookie) voids links and sessions.",
      params: [],
      handler: () => {
        const d = dashboard();
        if (!d) throw rpcError(RPC_MISC_ERROR, 'The dashboard is disabled (dashboard.enabled: false)');
        const link = d.loginLink();
        return { url: link.url, expires: Math.floor(link.expiresAt / 1000) };
      },
    }),
  ];
}
