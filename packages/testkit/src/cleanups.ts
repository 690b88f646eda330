/**
 * What a fleet must undo, run once, the last pushed first, each failure ignored so the rest still
 * run: a test may stop a fleet early, and its file's afterAll stops it again.
 */
export function cleanupStack() {
  const cleanups: Array<() => Promise<unknown>> = [];
  let done: Promise<void> | undefined;
  return {
    push(cleanup: () => Promise<unknown>) {
      cleanups.push(cleanup);
    },
    run(): Promise<void> {
      done ??= (async () => {
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
      })();
      return done;
    },
  };
}
