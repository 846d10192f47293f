// Stops waiting on work when a signal fires (shutdown); the work itself is left to end on its own.

/** `work`, or a rejection with the signal's reason as soon as `signal` aborts (whichever is first). */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  // The abandoned work may still reject later: that must not become an unhandled rejection.
  work.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err as Error);
      },
    );
  });
}

/** The reason a run or tracking pass stopped early: the process is shutting down. */
export class ShutdownInterrupt extends Error {
  constructor() {
    super("interrupted by shutdown");
    this.name = "ShutdownInterrupt";
  }
}
