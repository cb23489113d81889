import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { averagePlaquette } from '../../lattices/action.ts';
import { u1Exact2D } from '../../lattices/exact.ts';
import { loadConfig } from '../../lattices/io.ts';
import { buildKernel, type SamplerSpec } from '../../samplers/registry.ts';
import { runChains } from '../../samplers/runner.ts';
import { configPath } from '../../samplers/runner_chain.ts';
import { summariseRun } from '../../samplers/runner_analysis.ts';

const u1: SamplerSpec = { sampler: 'heatbath', group: 'u1', dims: 2, L: 4, beta: 1, orSteps: 1 };

test('workers 0 and 2 give bit-identical measurements; another seed does not', async () => {
  const base = { spec: { ...u1, sampler: 'hmc', mdSteps: 5 } as SamplerSpec, seed: 'wk', chains: 3, nPerChain: 40, therm: 5, measEvery: 2 };
  const a = await runChains({ ...base, workers: 0 });
  const b = await runChains({ ...base, workers: 2 });
  assert.is(a.workers, 0);
  assert.is(b.workers, 2);
  assert.equal(a.chains[0]!.names, ['plaquette', 'Q', 'Q2']);
  for (let k = 0; k < 3; k++) {
    const ca = a.chains[k]!;
    const cb = b.chains[k]!;
    assert.is(ca.measured, 40);
    assert.is(ca.accepted, cb.accepted);
    for (let i = 0; i < ca.names.length; i++) assert.equal(Array.from(cb.series[i]!), Array.from(ca.series[i]!), `chain ${k} ${ca.names[i]}`);
  }
  // chains differ from each other, and another seed changes everything
  assert.not.equal(Array.from(a.chains[0]!.series[0]!), Array.from(a.chains[1]!.series[0]!));
  const c = await runChains({ ...base, seed: 'wk2', workers: 0 });
  assert.not.equal(Array.from(c.chains[0]!.series[0]!), Array.from(a.chains[0]!.series[0]!));
});

test('heat bath 2D U(1) L=4 β=1: plaquette and Q² agree with the exact values', async () => {
  const run = await runChains({ spec: u1, seed: 3, chains: 4, workers: 0, nPerChain: 2500, therm: 50 });
  const s = summariseRun(run);
  const ex = u1Exact2D(1, 4);
  const p = s.observables.plaquette!;
  const q2 = s.observables.Q2!;
  assert.ok(Math.abs(p.mean - ex.plaquette) < 4 * p.err, `plaquette ${p.mean} ± ${p.err}, exact ${ex.plaquette}`);
  assert.ok(Math.abs(q2.mean - ex.Q2) < 4 * q2.err, `Q² ${q2.mean} ± ${q2.err}, exact ${ex.Q2}`);
  assert.ok(p.tauInt > 0.3 && p.tauInt < 5, `τ_int ${p.tauInt}`);
  assert.ok(p.rhat < 1.05, `R̂ ${p.rhat}`);
  assert.is(s.acceptance, 1); // heat bath always accepts
  assert.is(s.measured, 10_000);
  assert.ok(s.secondsPerUpdate > 0 && s.secondsPerUpdate < 0.01, `${s.secondsPerUpdate} s/update`);
  const seconds = run.chains.reduce((a, c) => a + c.updateSeconds, 0);
  assert.ok(Math.abs(p.essPerSecond - p.ess / seconds) < 1e-9 * p.essPerSecond);
  assert.ok(Math.abs(s.secondsPerUpdate - seconds / (4 * 2550)) < 1e-15);
});

test('HMC ⟨e^{−ΔH}⟩ = 1 with a Γ-method error over the chains (coarse steps, so ΔH fluctuates)', async () => {
  const spec = { sampler: 'hmc', group: 'u1', dims: 2, L: 6, beta: 2, mdSteps: 3 } as SamplerSpec;
  const run = await runChains({ spec, seed: 'dh', chains: 3, workers: 0, nPerChain: 2000, therm: 50 });
  const s = summariseRun(run);
  const dh = s.expMinusDeltaH!;
  assert.is(run.chains[0]!.expMinusDeltaH.length, 2000);
  assert.ok(s.acceptance > 0.3 && s.acceptance < 0.95, `acceptance ${s.acceptance}: ΔH must fluctuate for this test to bite`);
  assert.type(dh.tauInt, 'number');
  assert.ok(Math.abs(dh.mean - 1) < 4 * dh.err, `⟨e^{−ΔH}⟩ = ${dh.mean} ± ${dh.err}`);
  // the Γ-method error is the naive one inflated by √(2τ_int) (up to replica bookkeeping)
  const ratio = dh.err / (dh.naiveErr * Math.sqrt(2 * dh.tauInt!));
  assert.ok(Math.abs(ratio - 1) < 0.05, `err ${dh.err}, naive ${dh.naiveErr}, τ_int ${dh.tauInt}`);
});

test('abort in-process: chains stop at the next update, measurements so far are kept', async () => {
  const controller = new AbortController();
  let steps = 0;
  const run = await runChains({
    spec: u1,
    seed: 1,
    chains: 3,
    workers: 0,
    nPerChain: 1_000_000,
    therm: 10,
    signal: controller.signal,
    // a kernel that pulls the plug during the 50th update of the run
    buildKernel: (spec) => {
      const built = buildKernel(spec);
      const step = built.kernel.step.bind(built.kernel);
      built.kernel.step = (st, rng) => {
        if (++steps === 50) controller.abort();
        return step(st, rng);
      };
      return built;
    },
  });
  assert.ok(run.interrupted);
  // exactly 50 updates happened in all (the chains take turns; the abort lands inside update 50)
  assert.is(run.chains.reduce((a, c) => a + c.updates, 0), 50);
  for (const c of run.chains) {
    assert.ok(c.interrupted);
    assert.is(c.measured, Math.max(0, c.updates - 10));
    assert.is(c.series[0]!.length, c.measured);
  }
  const s = summariseRun(run);
  assert.is(s.measured, 50 - run.chains.reduce((a, c) => a + Math.min(c.updates, 10), 0));
  assert.ok(Number.isFinite(s.observables.plaquette!.mean));
});

test('abort with worker threads: the shared stop flag ends every chain', async () => {
  const controller = new AbortController();
  const run = await runChains({
    spec: u1,
    seed: 1,
    chains: 2,
    workers: 2,
    nPerChain: 10_000_000,
    therm: 0,
    signal: controller.signal,
    onProgress: (done) => {
      if (done.every((d) => d > 0)) controller.abort();
    },
  });
  assert.ok(run.interrupted);
  for (const c of run.chains) {
    assert.ok(c.measured > 0 && c.measured < 10_000_000, `measured ${c.measured}`);
    assert.is(c.series[0]!.length, c.measured);
  }
});

test('save-configs: every 2nd measured configuration is written and reloads to the measured plaquette', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-runner-'));
  try {
    const run = await runChains({ spec: u1, seed: 9, chains: 2, workers: 0, nPerChain: 5, therm: 3, saveConfigs: { dir, every: 2 } });
    assert.is(summariseRun(run).savedConfigs, 6);
    assert.is(readdirSync(dir).length, 6);
    for (const k of [0, 1]) {
      for (const j of [0, 2, 4]) {
        const { field } = await loadConfig(configPath(dir, k, j));
        assert.is(averagePlaquette(field), run.chains[k]!.series[0]![j]);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('kernelModule: a custom kernel runs in workers, and its error rejects the run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-kernel-'));
  try {
    const registry = fileURLToPath(new URL('../../samplers/registry.ts', import.meta.url));
    const mod = join(dir, 'failing-kernel.mts'); // .mts: ESM without a package.json around it
    writeFileSync(
      mod,
      `import { buildKernel as base } from ${JSON.stringify(registry)};
export function buildKernel(spec) {
  const b = base(spec);
  const step = b.kernel.step.bind(b.kernel);
  let n = 0;
  b.kernel.step = (s, r) => { if (++n === 30) throw new Error('kernel blew up at update 30'); return step(s, r); };
  return b;
}
`,
    );
    try {
      await runChains({ spec: u1, seed: 1, chains: 3, workers: 2, nPerChain: 1_000_000, therm: 0, kernelModule: mod });
      assert.unreachable();
    } catch (e) {
      assert.match((e as Error).message, /kernel blew up at update 30/, (e as Error).message);
    }
    // Below the failure point the plugged-in kernel is the baseline one: same numbers.
    const a = await runChains({ spec: u1, seed: 1, chains: 2, workers: 2, nPerChain: 20, therm: 0, kernelModule: mod });
    const b = await runChains({ spec: u1, seed: 1, chains: 2, workers: 0, nPerChain: 20, therm: 0 });
    assert.equal(Array.from(a.chains[1]!.series[0]!), Array.from(b.chains[1]!.series[0]!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad options are rejected with clear messages', async () => {
  try {
    await runChains({ spec: u1, seed: 1, chains: 0, workers: 0, nPerChain: 1, therm: 0 });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /chains must be/);
  }
  try {
    await runChains({ spec: u1, seed: 1, chains: 1, workers: 0, nPerChain: 1, therm: 0, measEvery: 0 });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /measEvery must be an integer/);
  }
  try {
    await runChains({ spec: u1, seed: 1, chains: 1, workers: 0, nPerChain: 1, therm: 0, wilsonLoops: [[4, 1]] });
    assert.unreachable();
  } catch (e) {
    assert.match((e as Error).message, /Wilson loop 4x1 does not fit/);
  }
});

test.run();
