/**
 * The one Ctrl-C mechanism of the CLI. The first SIGINT aborts `signal` and says what will happen
 * (`what`: e.g. "stopping chains at the next update"); the work polls the signal between steps,
 * saves what it has, prints the partial result and exits 130. A second SIGINT quits at once
 * (exit 130). Long set-up work must either poll `signal` between chunks with an `await` in
 * between (samplers/runner_chain.ts does so while it allocates and hot-starts a field) or be
 * refused before it starts (src/cli/preflight.ts), so that Ctrl-C is never ignored. Commands that
 * run as batch jobs (train, fit, sample, propose and bench/earth.ts) treat SIGTERM (a scheduler's
 * time limit or cancel, `kill`) the same way, with exit code 143: SLURM allows KillWait (30 s by
 * default) between SIGTERM and SIGKILL, time to finish a step and save. The interactive ones (demo,
 * showcase, report) leave SIGTERM to Node's default, and so does bench freezing: a scheduler signals
 * every process of the job, so its `train` child receives SIGTERM itself, and forwarding the
 * parent's would be the second signal that makes the child quit before saving.
 */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** whether SIGINT (or, with `sigterm`, SIGTERM) arrived */
  readonly interrupted: boolean;
  /** the first signal that arrived, null if none */
  readonly received: NodeJS.Signals | null;
  /** the exit code for the first signal: 130 (SIGINT) or 143 (SIGTERM) */
  readonly exitCode: number;
  /** what the next first Ctrl-C says will happen, when the work moves on to another phase */
  describe(what: string): void;
  /** remove the handler (always call, in a finally) */
  close(): void;
}

export const INTERRUPTED_EXIT = 130;
/** 128 + SIGTERM: what a scheduler (SLURM, Kubernetes) sees when a job stopped on its request. */
export const TERMINATED_EXIT = 143;

export interface InterruptOptions {
  /** also handle SIGTERM the same way (batch jobs: a scheduler's cancel or time limit), exit 143 */
  sigterm?: boolean;
}

const exitFor = (sig: NodeJS.Signals) => (sig === 'SIGTERM' ? TERMINATED_EXIT : INTERRUPTED_EXIT);

export function onInterrupt(command: string, what: string, opts: InterruptOptions = {}): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | null = null;
  let now = what;
  const handler = (sig: NodeJS.Signals) => {
    if (received !== null) {
      process.stderr.write(`\ngaugeflow ${command}: ${sig === 'SIGINT' ? 'interrupted' : sig} again — quitting now\n`);
      process.exit(exitFor(sig));
    }
    received = sig;
    const how = sig === 'SIGINT' ? 'interrupted' : `${sig}`;
    const again = sig === 'SIGINT' ? 'Ctrl-C again to quit at once' : 'a second signal quits at once';
    process.stderr.write(`\ngaugeflow ${command}: ${how} — ${now} (${again})\n`);
    controller.abort();
  };
  const signals: NodeJS.Signals[] = opts.sigterm ? ['SIGINT', 'SIGTERM'] : ['SIGINT'];
  for (const s of signals) process.on(s, handler);
  return {
    signal: controller.signal,
    get interrupted() {
      return received !== null;
    },
    get received() {
      return received;
    },
    get exitCode() {
      return exitFor(received ?? 'SIGINT');
    },
    describe: (w: string) => {
      now = w;
    },
    close: () => {
      for (const s of signals) process.off(s, handler);
    },
  };
}
