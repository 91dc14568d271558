/**
 * `npm start` and `npm run devnet` run as npm → sh → node. npm forwards SIGINT and SIGTERM only to
 * the shell, and a shell dies of SIGTERM without passing it on, so a signal to npm or to the shell
 * would leave this process running with parent PID 1. It notices instead: its parent changed,
 * so it stops itself as if it had received SIGTERM.
 */
export function onOrphaned(handler: () => void, intervalMs = 500): void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    handler();
  }, intervalMs);
  // The watch alone does not keep the process alive.
  timer.unref();
}
