/**
 * The one Ctrl-C mechanism of the CLI. The first SIGINT aborts `signal` and says what will happen
 * (`what`: e.g. "stopping chains at the next update"); the work polls the signal between steps,
 * saves what it has, prints the partial result and exits 130. A second SIGINT quits at once
 * (exit 130). Long set-up work must either poll `signal` between chunks with an `await` in
 * between (samplers/runner_chain.ts does so while it allocates and hot-starts a field) or be
 * refused before it starts (src/cli/preflight.ts), so that Ctrl-C is never ignored.
 */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** whether SIGINT arrived */
  readonly interrupted: boolean;
  /** remove the handler (always call, in a finally) */
  close(): void;
}

export const INTERRUPTED_EXIT = 130;

export function onInterrupt(command: string, what: string): Interrupt {
  const controller = new AbortController();
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) {
      process.stderr.write(`\ngaugeflow ${command}: interrupted again — quitting now\n`);
      process.exit(INTERRUPTED_EXIT);
    }
    process.stderr.write(`\ngaugeflow ${command}: interrupted — ${what} (Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    get interrupted() {
      return count > 0;
    },
    close: () => {
      process.off('SIGINT', handler);
    },
  };
}

/** Let pending signals and timers run (a macrotask turn), e.g. between steps of a long loop. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
