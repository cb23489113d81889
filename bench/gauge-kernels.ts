/**
 * The four circle kernels of the U(1) gauge layers at equal training time: for each kernel,
 * `gaugeflow train` with its defaults (16 layers, the default conditioner) on 2D U(1) L = 8, β = 2 for
 * the same wall-clock budget, then ESS, Metropolis acceptance, KL (exact log Z), parameters and
 * seconds per step on the same number of fresh draws.
 *
 *   npx tsx bench/gauge-kernels.ts [--minutes 3] [--workers 2] [--kernels ircpm,ncp,spline,energy]
 *                                  [--parallel 1] [--eval-samples 20000]
 *
 * --parallel 2 runs two kernels at a time with one worker each (the same conditions for all of them,
 * half the wall time on two cores). Prints one JSON object on stdout and a table on stderr.
 */
import { spawn } from 'node:child_process';
import { cpus, platform, release, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : def;
}
const minutes = Number(arg('minutes', '3'));
const parallel = Number(arg('parallel', '1'));
const workers = Number(arg('workers', parallel > 1 ? '0' : '2'));
const kernels = arg('kernels', 'ircpm,ncp,spline,energy').split(',');
const evalSamples = arg('eval-samples', '20000');
const bin = fileURLToPath(new URL('../bin/gaugeflow.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-kernels-'));

function train(kernel: string): Promise<Record<string, unknown>> {
  const args = [bin, 'train', '--L', '8', '--beta', '2', '--kernel', kernel, '--minutes', String(minutes), '--workers', String(workers), '--eval-samples', evalSamples, '--out', join(dir, `${kernel}.json`), '--json'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, CI: '1' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`train --kernel ${kernel} exited ${code}: ${err}`))));
  });
}

const results: Record<string, unknown>[] = [];
try {
  for (let i = 0; i < kernels.length; i += parallel) {
    results.push(...(await Promise.all(kernels.slice(i, i + parallel).map(train))));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const rows = results.map((r) => ({ kernel: r.kernel, ess: r.ess, acceptance: r.acceptance, kl: r.kl, params: r.params, steps: r.steps, secondsPerStep: r.secondsPerStep, backend: r.backend }));
for (const r of rows) {
  console.error(`${String(r.kernel).padEnd(7)} ESS ${(r.ess as number).toFixed(3)}  acc ${(r.acceptance as number).toFixed(3)}  KL ${(r.kl as number).toFixed(3)}  params ${String(r.params).padStart(6)}  steps ${String(r.steps).padStart(5)}  s/step ${(r.secondsPerStep as number).toFixed(3)}`);
}
console.log(JSON.stringify({ bench: 'gauge-kernels', machine: { platform: `${platform()} ${release()}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version }, L: 8, beta: 2, minutes, workers, parallel, evalSamples: Number(evalSamples), rows }, null, 2));
