/**
 * Topological freezing: HMC against flow MCMC for 2D U(1) over a grid of (L, β).
 *
 *   npx tsx bench/freezing.ts [--L 8,16] [--beta 2,4,6] [--seconds 300] [--train-minutes 10]
 *                             [--finetune-minutes 5] [--transfer L|beta|none] [--base haar|plaquette] [--lr x]
 *                             [--budget-hours 1] [--workers 2] [--chains 4] [--seed 1] [--out-dir out/freezing] [--json]
 *   npx gaugeflow bench freezing …   (the same)
 *
 * Per point (L, β):
 * - HMC with 10 leapfrog steps; the step size ε is tuned by short pilot runs until the acceptance
 *   is in [0.8, 0.9] (starting from ε = 0.1, i.e. τ = 1); the trajectory length is then 10ε.
 * - a flow trained by `gaugeflow train` (run as a child process, so its progress, checkpoints and
 *   Ctrl-C handling are the command's own) for --train-minutes, or fine-tuned for --finetune-minutes
 *   from another point's model (`transferSource`): with --transfer L the next smaller L at the same β,
 *   with --transfer beta the next smaller β at the same L (annealing in β, which a flow at large β
 *   needs: from Haar links the layers must learn to order every plaquette); the source is reported.
 *   --base plaquette trains from the plaquette base instead (src/flows/gauge/plaquette-base.ts:
 *   already ordered, every plaquette but one at its exact 2D marginal).
 * - both sampled by the multi-chain runner for --seconds of wall clock each (after set-up), same
 *   chains and worker threads; τ_int(Q) and τ_int(Q²) in measurements with Γ-method errors,
 *   ESS(Q) per wall second of sampling (worker start-up and model loading included), acceptance, ⟨cos θ_P⟩ and ⟨Q²⟩ against the exact values.
 * - ESS(Q) per second with training included over a total budget T (--budget-hours): HMC samples
 *   for all of T; the flow first trains (its own training plus that of the models it was transferred
 *   from) and samples for the rest, at the rate measured. Both use the same number of threads, so
 *   the ratio is also one per CPU-second.
 *
 * Everything lands in --out-dir: freezing-state.json (the checkpoint: a rerun with the same flags
 * skips what is done and redoes what was interrupted), models/, run/ (run records for `gaugeflow
 * report out/freezing/run --out report.html`) and freezing.json (the result). Ctrl-C stops the
 * current run, keeps everything measured so far (the interrupted part marked as such), prints the
 * table and exits 130. SIGTERM is left to Node's default (see src/cli/interrupt.ts): the state file
 * holds every finished run, and the `train` child saves its checkpoint on the SIGTERM a scheduler
 * sends every process of the job. One JSON object on stdout with --json, a table otherwise.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { appliesOnly, flagHelp, parseFlags, UsageError, type FlagSpecs } from '../src/cli/args.ts';
import { onInterrupt } from '../src/cli/interrupt.ts';
import { checkOutputDir, checkOutputPath } from '../src/cli/output-file.ts';
import { checkMemory, maxMemoryFlag } from '../src/cli/preflight.ts';
import { writeFileAtomic } from '../src/io/write-atomic.ts';
import { estimateRunMemory } from '../samplers/memory.ts';
import { runChains } from '../samplers/runner.ts';
import { runChainsFor, type TimedRunResult } from '../samplers/runner_timed.ts';
import { summariseRun } from '../samplers/runner_analysis.ts';
import { deviationSigma, exactAnnotation, type ExactReference } from '../samplers/runner_exact.ts';
import type { SamplerSpec } from '../samplers/registry.ts';
import { scanRecord, type ScanPoint } from '../src/report/records.ts';
import { toJson, writeChainsRun, writeRunRecord } from '../src/report/run-dir.ts';

const specs = {
  L: { type: 'numbers', default: [8, 16], help: 'lattice extents (multiples of 4)' },
  beta: { type: 'numbers', default: [2, 4, 6], help: 'couplings' },
  seconds: { type: 'number', default: 300, help: 'sampling wall-clock budget per sampler and point' },
  'train-minutes': { type: 'number', default: 10, help: 'flow training budget per point (from scratch)' },
  'finetune-minutes': { type: 'number', default: 5, help: 'flow training budget per point when transferred' },
  transfer: { type: 'string', default: 'L', choices: ['L', 'beta', 'none'], help: 'L: fine-tune from the model of the next smaller L at the same β; beta: from the next smaller β at the same L' },
  lr: { type: 'number', help: "flow training: `train --lr` (Adam's initial learning rate) [train's default]" },
  base: { type: 'string', default: 'haar', choices: ['haar', 'plaquette'], help: "flows trained from scratch: `train --base` (haar: uniform links; plaquette: independent plaquettes, one constrained)" },
  'budget-hours': { type: 'number', default: 1, help: 'total budget T for ESS(Q)/s with training included' },
  workers: { type: 'int', min: 0, default: 2, help: 'worker threads (training and sampling)' },
  chains: { type: 'int', min: 1, default: 4 },
  seed: { type: 'int', default: 1 },
  'out-dir': { type: 'string', default: 'out/freezing', help: 'state, models, run records and results' },
  force: { type: 'boolean', help: 'start over in --out-dir even if it holds a run with other flags' },
  'max-memory': maxMemoryFlag,
  json: { type: 'boolean', help: 'one JSON object on stdout' },
  help: { type: 'boolean' },
} satisfies FlagSpecs;

const bin = fileURLToPath(new URL('../bin/gaugeflow.mjs', import.meta.url));

interface SamplerResult {
  acceptance: number;
  tauIntQ: number | null;
  tauIntQErr: number | null;
  tauIntQ2: number | null;
  tauIntQ2Err: number | null;
  essQ: number | null;
  essQPerSecond: number | null;
  samplingSeconds: number;
  setupSeconds: number;
  measurements: number;
  plaquette: { mean: number; err: number; exact: number; deviation: number | null };
  Q2: { mean: number; err: number; exact: number; deviation: number | null };
  warning?: string;
  interrupted: boolean;
  [k: string]: unknown;
}

interface PointState {
  L: number;
  beta: number;
  hmc?: SamplerResult;
  flow?: SamplerResult;
  /** the flow's `train --json` result (kept as soon as training ends, before sampling) */
  flowTraining?: Record<string, unknown>;
}

interface State {
  config: Record<string, unknown>;
  points: Record<string, PointState>;
}

const key = (L: number, beta: number) => `L${L}-b${beta}`;

export type Transfer = 'L' | 'beta' | 'none';

/**
 * The point whose flow a point's flow is fine-tuned from: the next smaller L at the same β
 * (`L`), or the next smaller β at the same L (`beta`); none for the smallest, or with `none`.
 * The run visits L in the order given and, within each L, β in the order given, so the source has
 * been trained first when both lists are ascending (run() sorts them).
 */
export function transferSource(mode: Transfer, L: number, beta: number, Ls: readonly number[], betas: readonly number[]): { L: number; beta: number } | null {
  if (mode === 'L') {
    const smaller = [...Ls].sort((a, b) => a - b).filter((l) => l < L).at(-1);
    return smaller === undefined ? null : { L: smaller, beta };
  }
  if (mode === 'beta') {
    const smaller = [...betas].sort((a, b) => a - b).filter((b) => b < beta).at(-1);
    return smaller === undefined ? null : { L, beta: smaller };
  }
  return null;
}
const n = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

/**
 * Exact values are an annotation (samplers/runner_exact.ts): bounded in time, a failure is a warning
 * and null, never a lost measurement. One per (L, β), shared by both samplers and the result.
 */
const exactCache = new Map<string, ExactReference | null>();
function exactFor(L: number, beta: number): ExactReference | null {
  const k = key(L, beta);
  if (!exactCache.has(k)) {
    const { exact, warning } = exactAnnotation({ sampler: 'hmc', group: 'u1', dims: 2, L, beta });
    if (warning) process.stderr.write(`bench freezing: warning (L=${L}, β=${beta}): ${warning}\n`);
    exactCache.set(k, exact);
  }
  return exactCache.get(k)!;
}

function samplerResult(r: TimedRunResult, spec: SamplerSpec): { result: SamplerResult; summary: ReturnType<typeof summariseRun> } {
  const summary = summariseRun(r.run);
  const exact = exactFor(spec.L, spec.beta);
  const dev = deviationSigma(summary.observables, exact);
  const q = summary.observables.Q;
  const q2 = summary.observables.Q2;
  const p = summary.observables.plaquette;
  const warning = q?.warning ?? q2?.warning;
  return {
    summary,
    result: {
      acceptance: summary.acceptance,
      tauIntQ: n(q?.tauInt),
      tauIntQErr: n(q?.tauIntErr),
      tauIntQ2: n(q2?.tauInt),
      tauIntQ2Err: n(q2?.tauIntErr),
      essQ: n(q?.ess),
      // per wall second of the whole run, set-up included (the budget itself starts at the first update)
      essQPerSecond: q && r.run.wallSeconds > 0 ? n(q.ess / r.run.wallSeconds) : null,
      samplingSeconds: r.samplingSeconds,
      setupSeconds: r.setupSeconds,
      measurements: summary.measured,
      plaquette: { mean: p?.mean ?? NaN, err: p?.err ?? NaN, exact: exact?.values.plaquette ?? NaN, deviation: dev.plaquette ?? null },
      Q2: { mean: q2?.mean ?? NaN, err: q2?.err ?? NaN, exact: exact?.values.Q2 ?? NaN, deviation: dev.Q2 ?? null },
      ...(warning ? { warning } : {}),
      interrupted: r.interrupted,
    },
  };
}

/** Pilot runs: ε with 10 leapfrog steps whose acceptance is in [0.8, 0.9] (bisection in log ε). */
async function tuneHmc(L: number, beta: number, seed: number, signal: AbortSignal): Promise<{ eps: number; tuning: { eps: number; acceptance: number }[] }> {
  const tuning: { eps: number; acceptance: number }[] = [];
  let lo = 0; // largest ε known to accept too often
  let hi = Infinity; // smallest ε known to accept too rarely
  let eps = 0.1;
  for (let i = 0; i < 8; i++) {
    const spec: SamplerSpec = { sampler: 'hmc', group: 'u1', dims: 2, L, beta, trajLength: 10 * eps, mdSteps: 10 };
    const run = await runChains({ spec, seed: `${seed}-tune-${i}`, chains: 1, workers: 0, nPerChain: 300, therm: 100, signal });
    if (run.interrupted) return { eps, tuning }; // Ctrl-C: the sampling run after it stops at once too
    const acceptance = summariseRun(run).acceptance;
    tuning.push({ eps, acceptance });
    if (acceptance >= 0.8 && acceptance <= 0.9) return { eps, tuning };
    if (acceptance > 0.9) lo = eps;
    else hi = eps;
    eps = hi === Infinity ? eps * 1.6 : lo === 0 ? eps / 1.6 : Math.sqrt(lo * hi);
  }
  // not bracketed within 8 pilots: the last one closest to 0.85
  const best = tuning.reduce((a, b) => (Math.abs(b.acceptance - 0.85) < Math.abs(a.acceptance - 0.85) ? b : a));
  return { eps: best.eps, tuning };
}

/** `gaugeflow train … --json` as a child process; its progress goes to our stderr. */
function trainChild(args: string[], signal: AbortSignal): Promise<{ code: number; result: Record<string, unknown> | null }> {
  return new Promise((resolvePromise, reject) => {
    // In its own process group, so that a terminal's Ctrl-C reaches it once, forwarded from here (a
    // second SIGINT would kill `train` before it saved its checkpoint).
    const child = spawn(process.execPath, [bin, 'train', ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
    let out = '';
    child.stdout.on('data', (d) => (out += d.toString()));
    const onAbort = () => child.kill('SIGINT');
    const onExit = () => child.kill('SIGKILL'); // never leave it running if this process dies
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort);
    process.on('exit', onExit);
    child.on('error', reject);
    child.on('close', (code) => {
      signal.removeEventListener('abort', onAbort);
      process.off('exit', onExit);
      const line = out.trim().split('\n').pop() ?? '';
      let result: Record<string, unknown> | null = null;
      try {
        result = JSON.parse(line);
      } catch {
        result = null;
      }
      resolvePromise({ code: code ?? 1, result });
    });
  });
}

/** Training steps and seconds from a model file's history (when `train` did not get to report). */
function modelTraining(model: string, init: string | undefined): Record<string, unknown> {
  const m = JSON.parse(readFileSync(model, 'utf8')) as { history?: { steps?: number; seconds?: number } };
  return { steps: m.history?.steps ?? null, trainSeconds: m.history?.seconds ?? null, init: init ?? null, fromModelFile: true };
}

export async function run(argv: string[]): Promise<number> {
  const f = parseFlags(argv, specs);
  if (f.help) {
    console.log(`usage: npx tsx bench/freezing.ts [flags]   (or: gaugeflow bench freezing [flags])\n\n${flagHelp(specs)}`);
    return 0;
  }
  const Ls = [...f.L!].sort((a, b) => a - b);
  const betas = [...f.beta!].sort((a, b) => a - b);
  for (const L of Ls) if (!Number.isInteger(L) || L < 4 || L % 4 !== 0) throw new UsageError(`--L: extents must be multiples of 4, got ${L}`);
  for (const b of betas) if (!(b > 0)) throw new UsageError(`--beta: couplings must be positive, got ${b}`);
  for (const k of ['seconds', 'train-minutes', 'finetune-minutes', 'budget-hours'] as const) if (!(f[k]! > 0)) throw new UsageError(`--${k} must be positive, got ${f[k]}`);
  appliesOnly(f, ['finetune-minutes'], f.transfer !== 'none', '--transfer L or beta (fine-tuning from another point)');
  const dir = f['out-dir']!;
  const runDir = join(dir, 'run');
  const modelDir = join(dir, 'models');
  const statePath = join(dir, 'freezing-state.json');
  const resultPath = join(dir, 'freezing.json');
  const config = { L: Ls, beta: betas, seconds: f.seconds, trainMinutes: f['train-minutes'], finetuneMinutes: f['finetune-minutes'], transfer: f.transfer, base: f.base, ...(f.lr !== undefined ? { lr: f.lr } : {}), workers: f.workers, chains: f.chains, seed: f.seed };
  // Checked before any work: --out-dir is a directory (or can be made), a state of another
  // configuration is never mixed in or overwritten silently, nor a result without a state.
  const outDir = checkOutputDir(dir, { flag: '--out-dir', shared: true, owned: /^freezing/ });
  if (existsSync(dir)) {
    for (const p of [statePath, resultPath]) checkOutputPath(p, { force: true, flag: '--out-dir' }); // not directories
    if (!existsSync(statePath) && existsSync(resultPath) && !f.force) {
      throw new UsageError(`--out-dir ${dir} holds a freezing result (${resultPath}) but no state to resume; pass --force to replace it, or choose another --out-dir`);
    }
  }
  // Memory, before anything is allocated: at the largest L, the chains of either sampler with the
  // timed runner's cap on measurements per chain (samplers/runner_timed.ts, 4·10⁶), so a long
  // --seconds cannot outgrow it. (Each training child checks its own, with the same --max-memory.)
  const Lmax = Ls.at(-1)!;
  const shape = { chains: f.chains!, nPerChain: 4_000_000, therm: 200, measEvery: 1, observables: 3, workers: f.workers! };
  const memHmc = estimateRunMemory({ sampler: 'hmc', group: 'u1', dims: 2, L: Lmax, beta: betas[0]!, trajLength: 1, mdSteps: 10 }, shape);
  const memFlow = estimateRunMemory({ sampler: 'flow', group: 'u1', dims: 2, L: Lmax, beta: betas[0]!, batch: 256 }, shape);
  const mem = memHmc.total >= memFlow.total ? memHmc : memFlow;
  checkMemory({ total: mem.total, detail: `at L = ${Lmax}: ${mem.detail}, measurements at the runner's cap`, reduce: '--L, --chains or --workers' }, f['max-memory']);
  let state: State = { config, points: {} };
  if (existsSync(statePath) && !f.force) {
    const old = JSON.parse(readFileSync(statePath, 'utf8')) as State;
    if (JSON.stringify(old.config) !== JSON.stringify(config)) {
      throw new UsageError(`--out-dir ${dir} holds a freezing run with other flags (${JSON.stringify(old.config)}); use the same flags to resume it, --force to start over, or another --out-dir`);
    }
    state = old;
  } else if (f.force && existsSync(dir)) {
    for (const p of [statePath, resultPath, modelDir, runDir]) rmSync(p, { recursive: true, force: true });
  }
  outDir.prepare();
  for (const d of [modelDir, runDir]) mkdirSync(d, { recursive: true });
  const save = () => writeFileAtomic(statePath, toJson(state), 'benchmark state');
  save();

  const interrupt = onInterrupt('bench freezing', 'stopping the current run; everything measured so far is kept');
  const ac = { signal: interrupt.signal };
  const log = (s: string) => process.stderr.write(`${s}\n`);
  const { initBackend } = await import('../src/backend/index.ts');
  const { gaugeProposalModule } = await import('../src/flows/gauge/proposal.ts');
  const backend = await initBackend();
  const t0 = performance.now();
  try {
    for (const L of Ls) {
      for (const beta of betas) {
        if (ac.signal.aborted) break;
        const k = key(L, beta);
        const point: PointState = (state.points[k] ??= { L, beta });
        const common = { seed: `${f.seed}-${k}`, chains: f.chains!, workers: f.workers!, therm: 200, seconds: f.seconds!, signal: ac.signal };

        if (!point.hmc || point.hmc.interrupted) {
          log(`[${k}] HMC: tuning the step size (10 leapfrog steps, target acceptance 0.8–0.9)...`);
          const { eps, tuning } = await tuneHmc(L, beta, f.seed!, ac.signal);
          const spec: SamplerSpec = { sampler: 'hmc', group: 'u1', dims: 2, L, beta, trajLength: 10 * eps, mdSteps: 10 };
          log(`[${k}] HMC: ε = ${eps.toPrecision(3)} (τ = ${(10 * eps).toPrecision(3)}); sampling ${f.seconds} s...`);
          const r = await runChainsFor({ ...common, spec });
          const { result, summary } = samplerResult(r, spec);
          point.hmc = { ...result, stepSize: eps, trajLength: 10 * eps, mdSteps: 10, tuning };
          await writeChainsRun(runDir, { spec, run: r.run, summary, exact: exactFor(L, beta)?.values ?? null, deviationSigma: deviationSigma(summary.observables, exactFor(L, beta)), extra: { stepSize: eps, samplingSeconds: r.samplingSeconds } });
          save();
          if (ac.signal.aborted) break;
        }

        if (!point.flow || point.flow.interrupted) {
          const model = resolve(join(modelDir, `flow-${k}.json`));
          const sourcePoint = transferSource(f.transfer as Transfer, L, beta, Ls, betas);
          const source = sourcePoint ? resolve(join(modelDir, `flow-${key(sourcePoint.L, sourcePoint.beta)}.json`)) : undefined;
          const init = source && existsSync(source) ? source : undefined;
          const minutes = init ? f['finetune-minutes']! : f['train-minutes']!;
          if (!existsSync(model)) {
            // an interrupted training run left its checkpoint: continue from a copy of it
            const checkpoint = `${model}.checkpoint.json`;
            let from = init;
            let priorSeconds = 0; // training time already spent on the checkpoint (counted in the cost)
            if (existsSync(checkpoint)) {
              from = `${model}.resume.json`;
              copyFileSync(checkpoint, from);
              priorSeconds = Number(modelTraining(from, init).trainSeconds ?? 0);
            }
            log(`[${k}] flow: training ${minutes} min${init ? ` from ${init}` : ''}${from !== init ? ' (resuming its checkpoint)' : ''}...`);
            const args = ['--L', String(L), '--beta', String(beta), '--minutes', String(minutes), '--workers', String(f.workers), '--seed', String(f.seed), '--eval-samples', '5000', ...(f.lr !== undefined ? ['--lr', String(f.lr)] : []), '--out', model, '--run-dir', runDir, '--force', ...(f['max-memory'] !== undefined ? ['--max-memory', f['max-memory']] : [])];
            // a fine-tuned or resumed flow keeps its model's base
            const t = await trainChild(from ? [...args, '--init', from] : [...args, '--base', f.base!], ac.signal);
            if (t.code !== 0 || !t.result) {
              log(`[${k}] flow: training stopped (exit ${t.code})${existsSync(checkpoint) ? `; checkpoint kept at ${checkpoint}` : ''}`);
              break;
            }
            if (from && from !== init) rmSync(from, { force: true }); // the copy of the checkpoint
            point.flowTraining = { ...t.result, init: init ?? null, ...(priorSeconds > 0 ? { trainSeconds: Number(t.result.trainSeconds) + priorSeconds, resumedAfterSeconds: priorSeconds } : {}) };
            save();
          }
          // a run stopped after `train` saved the model but before it reported: the model file knows
          const train = (point.flowTraining ??= modelTraining(model, init));
          const sourceTrain = init ? (state.points[key(sourcePoint!.L, sourcePoint!.beta)]?.flow?.trainSecondsTotal as number | undefined) ?? 0 : 0;
          const trainSeconds = Number(train?.trainSeconds ?? NaN);
          const spec: SamplerSpec = { sampler: 'flow', group: 'u1', dims: 2, L, beta, batch: 256, proposal: { module: gaugeProposalModule, options: { model, L, beta } } };
          log(`[${k}] flow: sampling ${f.seconds} s...`);
          const r = await runChainsFor({ ...common, spec });
          const { result, summary } = samplerResult(r, spec);
          point.flow = {
            ...result,
            init: init ?? null,
            trainSeconds,
            trainSecondsTotal: trainSeconds + sourceTrain,
            importanceEss: summary.importanceEss,
            failedDraws: summary.failedDraws,
          };
          await writeChainsRun(runDir, { spec, run: r.run, summary, exact: exactFor(L, beta)?.values ?? null, deviationSigma: deviationSigma(summary.observables, exactFor(L, beta)), extra: { init: init ?? null, trainSeconds, samplingSeconds: r.samplingSeconds, importanceEss: summary.importanceEss } });
          save();
        }
      }
      if (ac.signal.aborted) break;
    }
  } finally {
    interrupt.close();
  }

  const budget = 3600 * f['budget-hours']!;
  const points = Object.values(state.points).map((p) => {
    const hmcRate = p.hmc?.essQPerSecond ?? null;
    const flowRate = p.flow?.essQPerSecond ?? null;
    const train = Number(p.flow?.trainSecondsTotal ?? NaN);
    const flowWithTraining = flowRate !== null && Number.isFinite(train) ? (flowRate * Math.max(budget - train, 0)) / budget : null;
    return {
      ...p,
      exact: exactFor(p.L, p.beta)?.values ?? null,
      withTraining: { budgetSeconds: budget, hmcEssQPerSecond: hmcRate, flowEssQPerSecond: flowWithTraining, ratio: hmcRate && flowWithTraining !== null ? flowWithTraining / hmcRate : null },
    };
  });
  const interrupted = ac.signal.aborted;
  const result = {
    bench: 'freezing',
    createdAt: new Date().toISOString(),
    config,
    backend,
    machine: { platform: `${os.platform()}-${os.arch()}`, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version },
    wallSeconds: (performance.now() - t0) / 1000,
    interrupted,
    points,
  };
  writeFileAtomic(resultPath, JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2), 'benchmark result');
  const scan: ScanPoint[] = points.flatMap((p) =>
    (['hmc', 'flow'] as const).flatMap((s) => {
      const r = p[s];
      return r ? [{ sampler: s, L: p.L, beta: p.beta, tauIntQ: r.tauIntQ, tauIntQErr: r.tauIntQErr, ...(r.warning ? { warning: r.warning } : {}) }] : [];
    }),
  );
  writeRunRecord(runDir, 'freezing-scan.json', scanRecord('freezing benchmark', scan));
  if (f.json) console.log(JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)));
  else console.log(table(points, budget));
  log(`bench freezing: ${interrupted ? 'interrupted; ' : ''}results in ${resolve(resultPath)}; report: gaugeflow report ${runDir} --out report.html${interrupted ? '; rerun the same command to resume' : ''}`);
  return interrupted ? 130 : 0;
}

function table(points: (PointState & { withTraining: { ratio: number | null; flowEssQPerSecond: number | null; hmcEssQPerSecond: number | null } })[], budget: number): string {
  const f = (x: unknown, d = 2) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : '—');
  const e = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x.toPrecision(2) : '—');
  const rows = [['L', 'β', 'sampler', 'acc', 'τ_int(Q)', 'τ_int(Q²)', 'ESS(Q)/s', 'train s', `ESS(Q)/s in ${budget / 3600} h`, '⟨cos θ_P⟩ dev', '⟨Q²⟩ (exact)', 'dev', 'init', '']];
  for (const p of points) {
    for (const s of ['hmc', 'flow'] as const) {
      const r = p[s];
      if (!r) continue;
      rows.push([
        String(p.L),
        String(p.beta),
        s,
        f(r.acceptance, 3),
        `${f(r.tauIntQ)} ± ${e(r.tauIntQErr)}`,
        `${f(r.tauIntQ2)} ± ${e(r.tauIntQ2Err)}`,
        f(r.essQPerSecond, 1),
        s === 'flow' ? f(r.trainSecondsTotal, 0) : '',
        f(s === 'flow' ? p.withTraining.flowEssQPerSecond : p.withTraining.hmcEssQPerSecond, 1),
        r.plaquette.deviation === null ? '—' : `${r.plaquette.deviation.toFixed(1)}σ`,
        `${f(r.Q2.mean, 3)} ± ${e(r.Q2.err)} (${f(r.Q2.exact, 3)})`,
        r.Q2.deviation === null ? '—' : `${r.Q2.deviation.toFixed(1)}σ`,
        s === 'flow' ? (r.init ? `from ${String(r.init).split('/').pop()}` : 'scratch') : `ε ${f(r.stepSize, 3)}`,
        `${r.warning ? 'τ lower bound' : ''}${r.interrupted ? ' interrupted' : ''}`,
      ]);
    }
  }
  const w = rows[0]!.map((_, j) => Math.max(...rows.map((r) => r[j]!.length)));
  const ratios = points.filter((p) => p.withTraining.ratio !== null).map((p) => `L=${p.L} β=${p.beta}: ${p.withTraining.ratio!.toPrecision(2)}×`);
  return [...rows.map((r) => r.map((c, j) => (j < 3 ? c.padEnd(w[j]!) : c.padStart(w[j]!))).join('  ')), '', `flow/HMC ESS(Q)/s with training included over ${budget / 3600} h: ${ratios.join(', ') || '—'}`].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (e) => {
      console.error(`bench freezing: ${(e as Error).message}`);
      process.exitCode = (e as Error).name === 'UsageError' ? 2 : 1;
    },
  );
}
