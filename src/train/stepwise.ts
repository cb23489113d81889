/**
 * Long synchronous work written once as a generator that pauses (`yield`) between its pieces (a
 * batch of samples, a chunk of points), run either to the end at once or with a turn of the event
 * loop at each pause. The second is how Ctrl-C reaches it: Node delivers SIGINT on the event loop,
 * so a handler cannot run inside synchronous work, and one removed before the loop turns never runs.
 */

/** One turn of the event loop (pending signals and timers run): how long loops let Ctrl-C in. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Runs the generator to its end without pausing. */
export function runToEnd<T>(work: Generator<void, T>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

/** Runs the generator with a turn of the event loop before each piece; null once `signal` has aborted. */
export async function runInterruptible<T>(work: Generator<void, T>, signal?: AbortSignal): Promise<T | null> {
  for (;;) {
    await yieldToEventLoop();
    if (signal?.aborted) return null;
    const step = work.next();
    if (step.done) return step.value;
  }
}
