/**
 * Density estimation on S² from the Earth event catalogues (volcano, earthquake, flood, fire): test
 * NLL over seeded 80/10/10 splits, the protocol of the manifold-flow literature, beside the CNFM
 * figures (Ben-Hamu et al. 2022).
 *
 *   npx tsx bench/earth.ts --data-dir <dir with volerup.csv, quakes_all.csv, flood.csv, fire.csv>
 *       [--datasets volcano,earthquake,flood,fire] [--splits 0,1,2,3,4] [--minutes 3]
 *       [--ircpm-minutes 1] [--out bench/results/earth.json] [--plots-dir docs] [--force]
 *   npx tsx bench/earth.ts --data-dir <dir> --kernel-only --min-width 0.0141 --out <file>
 *
 * Per dataset and split: the CNF of `gaugeflow fit --data` with its defaults (src/train/fit-data.ts,
 * src/train/data-defaults.ts; --minutes is its training budget) and, beside it, an IRCPM stack
 * trained by maximum likelihood with the same validation selection (--ircpm-minutes, 0 = none).
 * The test NLL is that of the density each model defines: the CNF's is the exact density of its
 * discrete map (Newton inversion, float64 log-determinants), the IRCPM's is explicit. Each CNF row
 * also holds `fit --data`'s default model, the CNF mixed with the anisotropic kernel density of the
 * training points (src/densities/sphere-kernel.ts), and that kernel density alone.
 * --kernel-only fits the kernel density alone (seconds), with its smallest width --min-width: how
 * much of the kernel's figure comes from kernels sharper than a given scale.
 *
 * Resumable: --out is rewritten (atomically) after every finished run, and a rerun with the same
 * --out skips the runs it already holds for the same budgets, so a long benchmark can be split over
 * several sessions. Ctrl-C keeps what is done and exits 130 (SIGTERM: the same, exit 143). One JSON object on stdout, the table on
 * stderr, and per dataset an SVG of model samples against the test points of the first split
 * (--plots-dir, Vega-Lite through src/report/render.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { flagHelp, parseFlags, UsageError, type FlagSpecs } from '../src/cli/args.ts';
import { checkOutputPath } from '../src/cli/output-file.ts';
import { onInterrupt } from '../src/cli/interrupt.ts';
import { initBackend } from '../src/backend/index.ts';
import { sphere } from '../src/manifolds/index.ts';
import { makeIRCPM } from '../src/flows/ircpm/stack.ts';
import { countParams } from '../src/flows/potentials.ts';
import type { Flow } from '../src/flows/types.ts';
import { latLonToSphere, loadLatLonCSV, splitIndices } from '../src/data/earth.ts';
import { DATA_CNF_MODEL, dataFitDefaults } from '../src/train/data-defaults.ts';
import { dataCNF, disposeSplit, fitToData, normalisation, sampleRows, splitData } from '../src/train/fit-data.ts';
import { writeFileAtomic } from '../src/io/write-atomic.ts';
import { sphereSamplesPlot } from '../src/report/plots.ts';
import { fitSphereKernelSteps, type KernelChoice } from '../src/densities/sphere-kernel.ts';
import { runInterruptible } from '../src/train/stepwise.ts';
import { meanNegLog } from '../src/densities/mixture.ts';
import { renderSvg } from '../src/report/render.ts';

const DATASETS: Record<string, { file: string; cnfm: [number, number]; moser: [number, number] }> = {
  volcano: { file: 'volerup.csv', cnfm: [-2.38, 0.16], moser: [-2.02, 0.42] },
  earthquake: { file: 'quakes_all.csv', cnfm: [-0.38, 0.01], moser: [-0.09, 0.02] },
  flood: { file: 'flood.csv', cnfm: [0.25, 0.02], moser: [0.62, 0.04] },
  fire: { file: 'fire.csv', cnfm: [-1.4, 0.02], moser: [-1.03, 0.03] },
};

const specs = {
  'data-dir': { type: 'string', help: 'directory holding volerup.csv, quakes_all.csv, flood.csv, fire.csv (required)' },
  datasets: { type: 'string', default: 'volcano,earthquake,flood,fire' },
  splits: { type: 'ints', min: 0, default: [0, 1, 2, 3, 4], help: 'split seeds' },
  minutes: { type: 'number', gt: 0, default: 3, help: 'CNF training budget per split' },
  'ircpm-minutes': { type: 'number', min: 0, default: 1, help: 'IRCPM (maximum likelihood) budget per split; 0: no IRCPM rows' },
  out: { type: 'string', default: 'bench/results/earth.json', help: 'result JSON (resumed from when it exists)' },
  'plots-dir': { type: 'string', help: 'write earth-<dataset>.svg here' },
  force: { type: 'boolean', help: 'start afresh even if --out holds results' },
  workers: { type: 'int', min: 0, default: 2, help: "worker threads for the CNF's exact test density (as fit --data; 0: in this thread, same figures)" },
  'kernel-only': { type: 'boolean', help: 'fit only the kernel density (no CNF, no IRCPM), with --min-width' },
  'min-width': { type: 'number', gt: 0, max: 0.1, help: 'with --kernel-only: smallest kernel width in radians [0.001 ≈ 6 km; 0.0141 ≈ 0.8° was the earlier vMF KDE cap κ ≤ 5000]' },
  help: { type: 'boolean' },
} satisfies FlagSpecs;

interface Row {
  dataset: string;
  model: 'cnf' | 'ircpm' | 'kernel';
  split: number;
  /** kernel rows: the smallest kernel width allowed (rad) and the (k, h, λ, ε) chosen */
  minWidth?: number;
  choice?: KernelChoice;
  minutes: number;
  testNLL: number;
  testNLLContinuous?: number;
  testOkFraction?: number;
  valNLL?: number;
  trainSeconds: number;
  evalSeconds: number;
  steps: number;
  selectedIteration: number;
  stopped: string;
  params: number;
  /** CNF: its mixture with the anisotropic kernel density of the training points (kernel and w chosen on validation) */
  /** params: the kernel density's (SphereKernelDensity.parameterCount) */
  mixture?: { weight: number; choice: KernelChoice; valNLL: number; testNLL: number; kernelTestNLL: number; seconds: number; kernelSeconds?: number; params: number };
  /** IRCPM: ∫q dA by Monte Carlo (20000 uniform points), with its standard error */
  integral?: { z: number; se: number };
  sizes: { train: number; val: number; test: number };
}

interface EarthResult {
  bench: 'earth';
  backend?: string;
  machine: Record<string, unknown>;
  rows: Row[];
  /** split-0 CNF samples and test points per dataset, [lat, lon] degrees (for the plots) */
  plots: Record<string, { samples: [number, number][]; test: [number, number][] }>;
  summary?: unknown[];
}

const meanSd = (v: number[]) => {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1)) : NaN;
  return { mean: m, sd, n: v.length };
};

const toLatLon = (p: number[]): [number, number] => [
  +((Math.asin(Math.max(-1, Math.min(1, p[2]!))) * 180) / Math.PI).toFixed(2),
  +((Math.atan2(p[1]!, p[0]!) * 180) / Math.PI).toFixed(2),
];

function summarise(r: EarthResult): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const ds of Object.keys(DATASETS))
    for (const [model, minWidth] of [['cnf', undefined], ['ircpm', undefined], ...[...new Set(r.rows.filter((x) => x.model === 'kernel').map((x) => x.minWidth!))].map((w) => ['kernel', w] as const)] as const) {
      const rows = r.rows.filter((x) => x.dataset === ds && x.model === model && x.minWidth === minWidth);
      if (!rows.length) continue;
      const t = meanSd(rows.map((x) => x.testNLL));
      out.push({
        dataset: ds,
        model: minWidth === undefined ? model : `kernel (λ ≥ ${minWidth} rad)`,
        splits: rows.map((x) => x.split),
        testNLL: t,
        trainSeconds: meanSd(rows.map((x) => x.trainSeconds)).mean,
        params: Math.max(...rows.map((x) => x.params)),
        cnfm: DATASETS[ds]!.cnfm,
        atOrBelowCNFM: t.mean <= DATASETS[ds]!.cnfm[0],
        ...(rows.some((x) => x.integral) ? { integral: rows.map((x) => x.integral ?? null) } : {}),
      });
      const mix = rows.filter((x) => x.mixture);
      if (model !== 'cnf' || !mix.length) continue;
      for (const [name, get] of [
        ['kernel', (x: Row) => x.mixture!.kernelTestNLL],
        ['cnf+kernel', (x: Row) => x.mixture!.testNLL],
      ] as const) {
        const t2 = meanSd(mix.map(get));
        out.push({
          dataset: ds,
          model: name,
          splits: mix.map((x) => x.split),
          testNLL: t2,
          // the kernel: its fit (grid search on validation) in seconds (rows written before kernelSeconds
          // existed: with the CNF's validation density); the mixture: the CNF's training and all its extra
          trainSeconds: meanSd(mix.map((x) => (name === 'kernel' ? (x.mixture!.kernelSeconds ?? x.mixture!.seconds) : x.trainSeconds + x.mixture!.seconds))).mean,
          // the kernel density stores a centre and one or two covariances per training point (the most over the splits)
          params: (name === 'kernel' ? 0 : rows[0]!.params) + Math.max(...mix.map((x) => x.mixture!.params)),
          cnfm: DATASETS[ds]!.cnfm,
          atOrBelowCNFM: t2.mean <= DATASETS[ds]!.cnfm[0],
          ...(name === 'cnf+kernel' ? { weights: mix.map((x) => x.mixture!.weight) } : { kernels: mix.map((x) => x.mixture!.choice) }),
        });
      }
    }
  return out;
}

function table(summary: Record<string, unknown>[]): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '–');
  const lines = ['| dataset | model | splits | test NLL (mean ± sd) | CNFM | train s / split | params | ∫q dA (MC) |', '|---|---|---|---|---|---|---|---|'];
  for (const s of summary) {
    const t = s.testNLL as { mean: number; sd: number };
    const c = s.cnfm as [number, number];
    lines.push(`| ${s.dataset} | ${s.model} | ${(s.splits as number[]).join(',')} | ${f(t.mean)} ± ${f(t.sd)} | ${f(c[0])} ± ${f(c[1])} | ${s.trainSeconds === null ? '–' : (s.trainSeconds as number).toFixed(0)} | ${s.params} | ${s.integral ? (s.integral as ({ z: number; se: number } | null)[]).map((g) => (g ? `${g.z.toFixed(3)}±${g.se.toFixed(3)}` : '–')).join(', ') : s.model === 'cnf' ? 'exact map' : s.model === 'ircpm' ? '–' : 'exact (normalised by construction)'} |`);
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const f = parseFlags(argv, specs);
  if (f.help) {
    console.log(`usage: npx tsx bench/earth.ts --data-dir <dir> [flags]\n\n${flagHelp(specs)}`);
    return 0;
  }
  if (!f['data-dir']) throw new UsageError('--data-dir <dir> is required (the Earth catalogues are not shipped with the repository)');
  if (f['min-width'] !== undefined && !f['kernel-only']) throw new UsageError('--min-width applies with --kernel-only (the CNF rows use the default of fit --data)');
  const names = f.datasets!.split(',').map((s) => s.trim());
  for (const n of names) if (!DATASETS[n]) throw new UsageError(`--datasets: unknown '${n}' (choose from ${Object.keys(DATASETS).join(', ')})`);
  const files = names.map((n) => join(f['data-dir']!, DATASETS[n]!.file));
  for (const p of files) if (!existsSync(p)) throw new UsageError(`--data-dir: ${p} does not exist`);
  const out = f.out!;
  // Preflight: --out is resumed only if it is an earth result; anything else needs --force.
  let prev: EarthResult | undefined;
  if (existsSync(out) && !f.force) {
    try {
      const j = JSON.parse(readFileSync(out, 'utf8')) as EarthResult;
      if (j.bench === 'earth' && Array.isArray(j.rows)) prev = j;
    } catch {
      /* refused below */
    }
    if (!prev) throw new UsageError(`--out ${out} exists and is not a bench/earth.ts result; pass --force to overwrite it`);
  }
  checkOutputPath(out, { force: true, inputs: files, flag: '--out' });
  const plotPaths = f['plots-dir'] ? names.map((n) => join(f['plots-dir']!, `earth-${n}.svg`)) : [];
  for (const p of plotPaths) checkOutputPath(p, { force: true, inputs: files, flag: '--plots-dir' });

  const backend = await initBackend();
  const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? 'unknown', node: process.version };
  const result: EarthResult = { bench: 'earth', backend, machine, rows: prev?.rows ?? [], plots: prev?.plots ?? {} };
  const save = () => {
    result.summary = summarise(result);
    writeFileAtomic(out, JSON.stringify(result, null, 1), 'earth result');
  };
  const interrupt = onInterrupt('bench earth', 'stopping the current run (after its training step, or between the parts of its evaluation); finished runs are kept', { sigterm: true });
  const manifold = sphere(2);
  let interrupted = false;
  try {
    // splits outer, datasets inner: a run stopped early has every dataset on its first splits
    const points = files.map((p) => latLonToSphere(loadLatLonCSV(p)));
    for (const split of f.splits!) {
      for (const [k, ds] of names.entries()) {
        const pts = points[k]!;
        if (f['kernel-only']) {
          const mw = f['min-width'] ?? 0.001;
          if (result.rows.some((r) => r.dataset === ds && r.model === 'kernel' && r.split === split && r.minWidth === mw)) continue;
          const s = splitIndices(pts.length, split);
          const [train, val, test] = [s.train, s.val, s.test].map((idx) => idx.map((i) => pts[i]!));
          const t0 = performance.now();
          // pausing between candidates, so that Ctrl-C is seen (a kernel fit takes up to 20 s)
          const kf = await runInterruptible(fitSphereKernelSteps(train!, val!, { minWidth: mw }), interrupt.signal);
          if (!kf) {
            interrupted = true;
            break;
          }
          const trainSeconds = (performance.now() - t0) / 1000;
          const testNLL = meanNegLog(kf.model.logDensity(test!));
          const row: Row = { dataset: ds, model: 'kernel', split, minutes: 0, minWidth: mw, choice: kf.choice, testNLL, valNLL: kf.valNLL, trainSeconds, evalSeconds: (performance.now() - t0) / 1000 - trainSeconds, steps: 0, selectedIteration: 0, stopped: 'grid', params: kf.model.parameterCount, sizes: { train: train!.length, val: val!.length, test: test!.length } };
          result.rows.push(row);
          console.error(JSON.stringify(row));
          save();
          continue;
        }
        const runs: ['cnf' | 'ircpm', number][] = [['cnf', f.minutes!]];
        if (f['ircpm-minutes']! > 0) runs.push(['ircpm', f['ircpm-minutes']!]);
        for (const [model, minutes] of runs) {
          if (result.rows.some((r) => r.dataset === ds && r.model === model && r.split === split && r.minutes === minutes)) continue;
          const data = splitData(pts, split);
          const rng = seedrandom(`earth-${ds}-${model}-${split}`);
          const flow: Flow =
            model === 'cnf'
              ? dataCNF(manifold, rng, DATA_CNF_MODEL)
              : makeIRCPM(manifold, rng, { layers: 3, shared: true, hidden: [128, 128], potential: 'mlp', frequencies: 1 });
          const d = dataFitDefaults(model, data.sizes.train, { minutes });
          console.error(`bench/earth: ${ds} split ${split} ${model} (${d.basis})`);
          const o = await fitToData(flow, data, d.training, d.valCap, { rng, progress: true, signal: interrupt.signal, mixture: model === 'cnf', workers: f.workers });
          if (o.fit.stopped === 'interrupted' || o.evaluation === 'interrupted') {
            interrupted = true;
            disposeSplit(data);
            break;
          }
          const row: Row = {
            dataset: ds,
            model,
            split,
            minutes,
            testNLL: o.testNLL!,
            testNLLContinuous: o.testNLLContinuous,
            testOkFraction: o.testOkFraction,
            valNLL: o.valNLL,
            trainSeconds: o.fit.seconds,
            evalSeconds: o.evalSeconds!,
            steps: o.fit.steps,
            selectedIteration: o.fit.selectedIteration,
            stopped: o.fit.stopped,
            params: countParams(flow.variables),
            mixture: o.mixture && { weight: o.mixture.weight, choice: o.mixture.choice, valNLL: o.mixture.valNLL, testNLL: o.mixture.testNLL, kernelTestNLL: o.mixture.kernelTestNLL, seconds: o.mixture.seconds, kernelSeconds: o.mixture.kernelSeconds, params: o.mixture.kernel.parameterCount },
            ...(model === 'ircpm' ? { integral: normalisation(flow, 20000, `earth-norm-${ds}-${split}`) } : {}),
            sizes: data.sizes,
          };
          result.rows = result.rows.filter((r) => !(r.dataset === ds && r.model === model && r.split === split));
          result.rows.push(row);
          console.error(JSON.stringify(row));
          if (model === 'cnf' && split === f.splits![0]) {
            const test = data.test.arraySync() as number[][];
            // 500 of each (an SVG circle costs ≈ 300 bytes), from the model the row's best NLL belongs to:
            // with the kernel mixture, round(500 w) from the CNF and the rest from the kernel density
            const nFlow = o.mixture ? Math.round(500 * o.mixture.weight) : 500;
            const samples = [...(nFlow > 0 ? sampleRows(flow, nFlow, `earth-plot-${ds}`) : []), ...(o.mixture ? o.mixture.kernel.sample(500 - nFlow, seedrandom(`earth-plot-kernel-${ds}`)) : [])];
            result.plots[ds] = { samples: samples.map(toLatLon), test: test.slice(0, 500).map(toLatLon) };
          }
          disposeSplit(data);
          flow.variables.forEach((v) => v.dispose());
          save();
        }
        if (interrupted) break;
      }
      if (interrupted) break;
    }
  } finally {
    interrupt.close();
  }
  save();
  for (const [k, ds] of names.entries()) {
    const p = result.plots[ds];
    if (!plotPaths[k] || !p) continue;
    const plot = sphereSamplesPlot(`earth-${ds}`, `${ds}: CNF + kernel samples against test points (split ${f.splits![0]})`, p.samples, p.test);
    writeFileAtomic(plotPaths[k]!, await renderSvg(plot.spec), `${ds} plot`);
  }
  const summary = summarise(result);
  console.error(table(summary));
  if (interrupted) console.error(`bench/earth: interrupted; the finished runs are in ${out} (rerun to resume)`);
  console.log(JSON.stringify({ bench: 'earth', backend, machine, out, summary }));
  return interrupted ? interrupt.exitCode : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`bench/earth: ${e instanceof Error ? e.message : String(e)}`);
    if (process.env.GAUGEFLOW_DEBUG) console.error(e);
    process.exit(e instanceof UsageError ? 2 : 1);
  },
);
