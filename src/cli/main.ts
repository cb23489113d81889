/**
 * `gaugeflow <command> [flags]`. Each command lives in its own module exporting
 * `run(argv): Promise<number>` (the exit code) and is imported lazily so that `exact` does not
 * pay for loading TensorFlow.js.
 */
import { isUsageError } from './args.ts';

type Command = { summary: string; load: () => Promise<{ run: (argv: string[]) => Promise<number> }> };

const commands: Record<string, Command> = {
  showcase: { summary: 'what `npm start` runs: train a U(1) flow for a few minutes, sample it and HMC side by side, compare with exact values, write an HTML report', load: () => import('./showcase.ts') },
  demo: { summary: 'smoke run (half a minute; --quick: ten seconds): exact values, HMC and heat bath vs exact, a small flow as an MCMC proposal', load: () => import('./demo.ts') },
  exact: { summary: 'exact reference results (2D U(1) finite volume, 2D SU(N), single-matrix SU(N))', load: () => import('./exact.ts') },
  sample: { summary: 'run HMC / heat-bath chains, Γ-method errors, R-hat, comparison with exact results', load: () => import('./sample.ts') },
  train: { summary: 'train a gauge-equivariant flow for the Wilson action (reverse KL, data-parallel workers); ESS, KL, acceptance', load: () => import('./train.ts') },
  propose: { summary: 'draw one shard of a flow run\'s proposals (SLURM/Kubernetes job arrays: --shard auto) into a shard file', load: () => import('./propose.ts') },
  merge: { summary: 'merge the proposal shards of a flow run: the chains and analysis `sample --sampler flow` prints, bit for bit', load: () => import('./merge.ts') },
  report: { summary: 'one self-contained HTML report (plots as SVG) from a run directory or a result JSON', load: () => import('./report.ts') },
  bench: { summary: 'benchmarks that are also commands (freezing: HMC vs flow MCMC against topological freezing)', load: () => import('./bench.ts') },
  fit: { summary: 'train a manifold flow (IRCPM/CNF) on a named target or lat,lon data; ESS, KL or test NLL', load: () => import('./fit.ts') },
};

/** Register a subcommand (used by later modules: sample, fit, ...). */
export function registerCommand(name: string, cmd: Command): void {
  commands[name] = cmd;
}

function usage(): string {
  const rows = Object.entries(commands).map(([k, c]) => `  ${k.padEnd(8)} ${c.summary}`);
  return `usage: gaugeflow <command> [flags]   (gaugeflow <command> --help for its flags)\n\ncommands:\n${rows.join('\n')}`;
}

let streamsGuarded = false;

/**
 * stdout/stderr write errors are reported as one line, never a stack trace: a closed pipe
 * (`gaugeflow sample --json | head -1`) ends the process quietly, a full disk or another error
 * names itself and exits 1.
 */
function guardStreams(): void {
  if (streamsGuarded) return;
  streamsGuarded = true;
  for (const [stream, label] of [[process.stdout, 'stdout'], [process.stderr, 'stderr']] as const) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      if (label === 'stdout') {
        try {
          process.stderr.write(`gaugeflow: cannot write to stdout: ${e.code === 'ENOSPC' ? 'no space left on device' : e.message}\n`);
        } catch {
          /* stderr is gone too */
        }
      }
      process.exit(1);
    });
  }
}

export async function main(argv: string[]): Promise<number> {
  guardStreams();
  const [name, ...rest] = argv;
  if (!name) {
    console.error(usage());
    return 2;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return 0;
  }
  const cmd = commands[name];
  if (!cmd) {
    console.error(`gaugeflow: unknown command '${name}' (try: ${Object.keys(commands).join(', ')})`);
    return 2;
  }
  try {
    const mod = await cmd.load();
    return await mod.run(rest);
  } catch (e) {
    if (isUsageError(e)) {
      console.error(`gaugeflow ${name}: ${e.message}`);
      return 2;
    }
    console.error(`gaugeflow ${name}: ${(e as Error).message}`);
    if (process.env.GAUGEFLOW_DEBUG) console.error(e);
    return 1;
  }
}
