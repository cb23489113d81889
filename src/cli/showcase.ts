/**
 * `gaugeflow showcase` (what `npm start` runs): the main job end to end in a few minutes on the
 * default backend. Trains a gauge-equivariant flow for 2D U(1) on 8×8 at β = 2 through
 * `gaugeflow train` itself (progress shown), samples it and HMC side by side for the same wall-clock
 * time in the multi-chain runner, prints both against the exact finite-volume values, and writes a
 * run directory with an HTML report (src/report/).
 *
 * Files (all checked before any work): <dir>/model.json, <dir>/report.html and the run records.
 * Nothing is overwritten without --force. Ctrl-C during training saves the training checkpoint (as
 * `train` does); during sampling it stops the chains, and what was measured is still written and
 * reported. Either way the command says where the files are and exits 130.
 */
import { join, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { flagHelp, parseFlags, type FlagSpecs } from './args.ts';
import { onInterrupt } from './interrupt.ts';
import { checkOutputDir, checkOutputPath, writeFileAtomic } from './output-file.ts';
import { u1Exact2D } from '../../lattices/exact.ts';
import { runChainsFor } from '../../samplers/runner_timed.ts';
import { summariseRun, type RunSummary } from '../../samplers/runner_analysis.ts';
import { deviationSigma, exactAnnotation } from '../../samplers/runner_exact.ts';
import type { SamplerSpec } from '../../samplers/registry.ts';
import { chainsRecordName, prepareRunDir, readRunDir, trainingRecordName, writeChainsRun } from '../report/run-dir.ts';

const L = 8;
const BETA = 2;

const specs = {
  minutes: { type: 'number', gt: 0, default: 3, help: 'flow training budget (wall clock)' },
  seconds: { type: 'number', gt: 0, default: 40, help: 'sampling budget of each sampler (wall clock)' },
  workers: { type: 'int', min: 0, default: 2, help: 'worker threads for training and sampling' },
  seed: { type: 'int', default: 1 },
  'eval-samples': { type: 'int', min: 100, default: 5000, help: "fresh draws for the trained flow's ESS, KL and acceptance" },
  dir: { type: 'string', help: 'run directory for the model, run records and report.html [out/showcase-<date>-<time>]' },
  force: { type: 'boolean', help: 'overwrite files of an earlier showcase in --dir' },
  help: { type: 'boolean' },
} satisfies FlagSpecs;

const HELP = `usage: gaugeflow showcase [flags]     (npm start)

Trains a gauge-equivariant flow for 2D U(1), ${L}×${L}, β = ${BETA} (a few minutes), samples it and HMC side by
side, compares both with the exact values, and writes an HTML report.

flags:
${flagHelp(specs)}`;

function stamp(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

const fmt = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const fmtErr = (x: number) => (Number.isFinite(x) ? x.toPrecision(2) : '—');

export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, specs);
  if (f.help) {
    console.log(HELP);
    return 0;
  }
  let dir = f.dir;
  if (dir === undefined) {
    // out/ holds every showcase's own directory: checked (and made) like any output directory
    checkOutputDir('out', { shared: true, owned: /^showcase-/, flag: 'the default --dir out/showcase-…: directory out' }).prepare();
    dir = join('out', `showcase-${stamp()}`);
  }
  const model = join(dir, 'model.json');
  const reportPath = join(dir, 'report.html');
  prepareRunDir(dir, [trainingRecordName(L, BETA), chainsRecordName('hmc', L, BETA), chainsRecordName('flow', L, BETA)], { force: f.force, flag: '--dir' });
  checkOutputPath(model, { force: f.force, flag: '--dir: model' });
  checkOutputPath(`${model}.checkpoint.json`, { force: f.force, flag: '--dir: checkpoint' });
  checkOutputPath(reportPath, { force: f.force, flag: '--dir: report' });

  const exact = u1Exact2D(BETA, L);
  console.log(`gaugeflow showcase: 2D U(1), ${L}×${L} periodic lattice, β = ${BETA}; files in ${resolve(dir)}\n`);
  console.log(`Exact (lattices/exact/u1.ts): ⟨cos θ_P⟩ = ${exact.plaquette.toFixed(6)}, ⟨Q²⟩ = ${exact.Q2.toFixed(5)}, χ_t = ${exact.chi.toExponential(4)}\n`);

  // 1. train, through the train command itself
  console.log(`1. Training a gauge-equivariant flow for ${f.minutes} min on ${f.workers} worker thread(s) (reverse KL against the Wilson action)...`);
  const train = await import('./train.ts');
  const trainArgs = ['--L', String(L), '--beta', String(BETA), '--minutes', String(f.minutes), '--workers', String(f.workers), '--seed', String(f.seed), '--eval-samples', String(f['eval-samples']), '--out', model, '--run-dir', dir];
  const code = await train.run(f.force ? [...trainArgs, '--force'] : trainArgs);
  if (code !== 0) {
    console.error(`gaugeflow showcase: training stopped (exit ${code}); files so far are in ${resolve(dir)}`);
    return code;
  }

  // 2. sample HMC and the flow for the same wall-clock time
  const { initBackend } = await import('../backend/index.ts');
  const { gaugeProposalModule } = await import('../flows/gauge/proposal.ts');
  await initBackend(); // the worker threads pin the same choice
  const hmc: SamplerSpec = { sampler: 'hmc', group: 'u1', dims: 2, L, beta: BETA, trajLength: 1, mdSteps: 10 };
  const flow: SamplerSpec = { sampler: 'flow', group: 'u1', dims: 2, L, beta: BETA, batch: 256, proposal: { module: gaugeProposalModule, options: { model: resolve(model), L, beta: BETA } } };
  // (training had train's own handler; this one covers sampling and the report)
  const interrupt = onInterrupt('showcase', 'stopping the chains; what was measured is still reported');
  const ac = { signal: interrupt.signal };
  const results: Record<string, { summary: RunSummary; wall: number; setup: number }> = {};
  try {
    for (const [name, spec] of [['HMC', hmc], ['flow', flow]] as const) {
      if (ac.signal.aborted) break;
      console.log(`\n2${name === 'HMC' ? 'a' : 'b'}. Sampling with ${name === 'HMC' ? 'HMC (τ = 1, 10 leapfrog steps)' : 'the flow as independence-Metropolis proposal'}: 4 chains, ${f.seconds} s...`);
      const bar = timeBar(f.seconds!);
      let r;
      try {
        r = await runChainsFor({ spec, seed: f.seed!, chains: 4, workers: f.workers!, therm: 100, seconds: f.seconds!, signal: ac.signal, onProgress: () => bar.begin() });
      } finally {
        bar.stop();
      }
      const summary = summariseRun(r.run);
      const { exact: ex, warning } = exactAnnotation(spec); // an annotation: bounded, never fatal
      if (warning) process.stderr.write(`gaugeflow showcase: warning: ${warning}\n`);
      const timing = { setupSeconds: r.setupSeconds, samplingSeconds: r.samplingSeconds };
      const extra = spec.sampler === 'flow' ? { ...timing, importanceEss: summary.importanceEss, failedDraws: summary.failedDraws, proposalsPerSecond: summary.proposalsPerSecond } : { ...timing, trajLength: 1, mdSteps: 10 };
      await writeChainsRun(dir, { spec, run: r.run, summary, exact: ex?.values ?? null, deviationSigma: deviationSigma(summary.observables, ex), extra, label: `${spec.sampler} L=${L} β=${BETA}` });
      results[name] = { summary, wall: r.run.wallSeconds, setup: r.setupSeconds };
    }

    // 3. the comparison
    console.log(`\n3. Against the exact values (Γ-method errors, chains as replica; τ_int in measurements):\n`);
    console.log(comparison(results, exact));
    console.log(
      `\nAt β = ${BETA} on ${L}×${L} the charge is not frozen and HMC is cheap; the flow's independent proposals pay off where\n` +
        'local updates freeze (large β, large L): `npx gaugeflow bench freezing` measures that.',
    );

    // 4. the report
    const { buildReport } = await import('../report/html.ts');
    const records = readRunDir(dir).map((r) => r.record);
    const html = await buildReport(records, { source: dir, title: `gaugeflow showcase: 2D U(1) ${L}×${L}, β = ${BETA}` });
    writeFileAtomic(reportPath, html, 'report');
    console.log(`\nReport: ${resolve(reportPath)}   (open it in a browser; it needs no network)`);
    console.log(`Model:  ${resolve(model)}   (gaugeflow sample --sampler flow --model ${model} ...)`);
  } finally {
    interrupt.close();
  }
  if (ac.signal.aborted) {
    console.error(`gaugeflow showcase: interrupted; the report covers what was measured (${resolve(dir)})`);
    return 130;
  }
  return 0;
}

function comparison(results: Record<string, { summary: RunSummary; wall: number; setup: number }>, exact: { plaquette: number; Q2: number }): string {
  const names = Object.keys(results);
  const rows: string[][] = [['', 'exact', ...names]];
  const cell = (name: string, obs: string, ex: number | null, d: number) => {
    const o = results[name]!.summary.observables[obs];
    if (!o) return '—';
    const dev = ex !== null && o.err > 0 ? ` (${((o.mean - ex) / o.err >= 0 ? '+' : '') + ((o.mean - ex) / o.err).toFixed(1)}σ)` : '';
    return `${fmt(o.mean, d)} ± ${fmtErr(o.err)}${dev}${o.warning ? ' *' : ''}`;
  };
  rows.push(['⟨cos θ_P⟩', exact.plaquette.toFixed(5), ...names.map((n) => cell(n, 'plaquette', exact.plaquette, 5))]);
  rows.push(['⟨Q²⟩', exact.Q2.toFixed(4), ...names.map((n) => cell(n, 'Q2', exact.Q2, 4))]);
  rows.push(['⟨Q⟩', '0', ...names.map((n) => cell(n, 'Q', 0, 3))]);
  rows.push(['τ_int(Q)', '', ...names.map((n) => { const o = results[n]!.summary.observables.Q; return o ? `${fmt(o.tauInt, 2)} ± ${fmtErr(o.tauIntErr)}` : '—'; })]);
  rows.push(['ESS(Q) per wall s', '', ...names.map((n) => { const o = results[n]!.summary.observables.Q; return o ? fmt(o.ess / results[n]!.wall, 1) : '—'; })]);
  rows.push(['acceptance', '', ...names.map((n) => fmt(results[n]!.summary.acceptance, 3))]);
  rows.push(['measurements', '', ...names.map((n) => String(results[n]!.summary.measured))]);
  rows.push(['wall s (of it set-up)', '', ...names.map((n) => `${fmt(results[n]!.wall, 1)} (${fmt(results[n]!.setup, 1)})`)]);
  const widths = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const lines = rows.map((r) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join('   '));
  if (names.some((n) => Object.values(results[n]!.summary.observables).some((o) => o.warning))) {
    lines.push('* the run was too short for its autocorrelation time: the error and τ_int are lower bounds');
  }
  return lines.join('\n');
}

/** A wall-clock progress bar on a TTY (never under CI), started by the first update like the budget. */
function timeBar(seconds: number): { begin(): void; stop(): void } {
  if (!process.stderr.isTTY || process.env.CI) return { begin() {}, stop() {} };
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: '   [{bar}] {value}/{total} s', hideCursor: true }, cliProgress.Presets.shades_classic);
  const total = Math.ceil(seconds);
  let t0: number | null = null;
  let id: ReturnType<typeof setInterval> | null = null;
  const now = () => Math.min(total, Math.round((performance.now() - t0!) / 1000));
  return {
    begin() {
      if (t0 !== null) return;
      t0 = performance.now();
      bar.start(total, 0);
      id = setInterval(() => bar.update(now()), 500);
    },
    stop() {
      if (t0 === null) return;
      clearInterval(id!);
      bar.update(now());
      bar.stop();
    },
  };
}
