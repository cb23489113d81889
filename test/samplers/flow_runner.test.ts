import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { averagePlaquette } from '../../lattices/action.ts';
import { fieldProposalAsProposal, ProposalCache, wilsonTarget } from '../../samplers/flow_batch.ts';
import { independenceMetropolis } from '../../samplers/metropolis.ts';
import { builtinProposalModule } from '../../samplers/proposals/index.ts';
import { buildKernel, validateSpec, type SamplerSpec } from '../../samplers/registry.ts';
import { runChains, type RunResult } from '../../samplers/runner.ts';
import { summariseRun } from '../../samplers/runner_analysis.ts';

const vonmises = builtinProposalModule('vonmises');
const haar = builtinProposalModule('haar');
const u1 = (L: number, beta: number, kappa: number, batch: number, module = vonmises): SamplerSpec => ({
  sampler: 'flow',
  group: 'u1',
  dims: 2,
  L,
  beta,
  batch,
  proposal: { module, options: { group: 'u1', dims: 2, L, kappa } },
});

// Proposal modules written for these tests (outside test/, which uvu would run as tests).
const dir = mkdtempSync(join(tmpdir(), 'gaugeflow-flow-'));
const haarUrl = JSON.stringify(pathToFileURL(haar).href);
/** Haar draws of which every 3rd (draw 0 of each batch included) failed, its field NaN. */
const flaky = join(dir, 'flaky.mts');
writeFileSync(
  flaky,
  `import { loadFieldProposal as base } from ${haarUrl};
export function loadFieldProposal(options) {
  const p = base(options);
  return { lattice: p.lattice, group: p.group, sample(n, rng) {
    const b = p.sample(n, rng);
    const size = b.fields.length / n;
    for (let i = 0; i < n; i += 3) { b.logq[i] = Infinity; b.fields.fill(NaN, i * size, (i + 1) * size); }
    return b;
  } };
}
`,
);
/** Every draw failed. */
const broken = join(dir, 'broken.mts');
writeFileSync(
  broken,
  `import { loadFieldProposal as base } from ${haarUrl};
export async function loadFieldProposal(options) {
  const p = base(options);
  return { lattice: p.lattice, group: p.group, sample: async (n, rng) => { const b = p.sample(n, rng); b.logq.fill(Infinity); return b; } };
}
`,
);
/** von Mises links, logging the thread of every load of the module's proposal to loads.txt. */
const loads = join(dir, 'loads.txt');
const counting = join(dir, 'counting.mts');
writeFileSync(
  counting,
  `import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';
import { loadFieldProposal as base } from ${JSON.stringify(pathToFileURL(vonmises).href)};
export function loadFieldProposal(options) {
  appendFileSync(${JSON.stringify(loads)}, threadId + '\\n');
  return base(options);
}
`,
);
const noExport = join(dir, 'no-export.mts');
writeFileSync(noExport, 'export const x = 1;\n');

async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.match((e as Error).message, re);
    return;
  }
  assert.unreachable(`expected a rejection matching ${re}`);
}

const series = (r: RunResult) => r.chains.map((c) => c.series.map((s) => Array.from(s)));

test('workers 0, 1, 2, 3: bit-identical series, acceptance and importance ESS; another batch size is another valid chain', async () => {
  const base = { spec: u1(2, 1, 0.2, 64, counting), seed: 'wk', chains: 3, nPerChain: 500, therm: 20 };
  const runs = [];
  for (const workers of [0, 1, 2, 3]) {
    writeFileSync(loads, '');
    runs.push(await runChains({ ...base, workers }));
    // the proposal is loaded once per thread that draws batches (27 batches here)
    const threads = readFileSync(loads, 'utf8').split('\n').filter(Boolean);
    assert.ok(threads.length >= 1 && threads.length <= Math.max(workers, 1) && new Set(threads).size === threads.length, `loads by thread: ${threads}`);
    if (workers <= 1) assert.equal(threads, ['0']);
  }
  assert.equal(runs.map((r) => r.workers), [0, 0, 2, 3]);
  const ref = runs[0]!;
  assert.equal(ref.chains[0]!.names, ['plaquette', 'Q', 'Q2']);
  for (const r of runs.slice(1)) {
    assert.equal(series(r), series(ref));
    for (let k = 0; k < 3; k++) {
      const [a, b] = [ref.chains[k]!, r.chains[k]!];
      assert.is(b.accepted, a.accepted);
      assert.is(b.acceptProbSum, a.acceptProbSum);
      assert.equal(b.flow!.importance, a.flow!.importance);
      assert.is(b.flow!.importanceEss, a.flow!.importanceEss);
    }
    assert.is(summariseRun(r).importanceEss, summariseRun(ref).importanceEss);
  }
  for (const c of ref.chains) {
    assert.is(c.measured, 500);
    assert.is(c.updates, 520);
    assert.is(c.postThermUpdates, 500);
    assert.is(c.flow!.proposals, 9 * 64); // whole batches
    assert.ok(c.accepted > 50 && c.accepted < 450, `accepted ${c.accepted}`);
    assert.ok(c.flow!.importanceEss > 0 && c.flow!.importanceEss < 1);
    assert.is(c.interrupted, false);
  }
  assert.not.equal(series(ref)[0], series(ref)[1], 'chains use their own streams');
  const other = await runChains({ ...base, spec: u1(2, 1, 0.2, 100, counting), workers: 0 });
  assert.not.equal(series(other)[0]![0], series(ref)[0]![0]);
  assert.is(other.chains[0]!.measured, 500);
  // a shorter chain with the same seed and batch size is a prefix of the longer one
  const short = await runChains({ ...base, nPerChain: 77, workers: 0 });
  for (let k = 0; k < 3; k++) assert.equal(series(short)[k]![0], series(ref)[k]![0]!.slice(0, 77));
});

test('each chain is independenceMetropolis of the same proposal and streams, measured (failed draws and the init start included)', async () => {
  for (const [spec, chains] of [
    [u1(2, 1, 0.5, 50), 2],
    [{ sampler: 'flow', group: 'su2', dims: 2, L: 2, beta: 1.5, batch: 40, proposal: { module: flaky, options: { group: 'su2', dims: 2, L: 2 } } }, 2],
  ] as [SamplerSpec, number][]) {
    const run = await runChains({ spec, seed: 'ref', chains, workers: 0, nPerChain: 230, therm: 0 });
    const cache = new ProposalCache();
    const proposal = fieldProposalAsProposal(await cache.get(spec.proposal!));
    for (let k = 0; k < chains; k++) {
      const im = await independenceMetropolis(wilsonTarget(spec.beta), proposal, { nSteps: 230, batchSize: spec.batch!, seed: 'ref', chain: k });
      assert.equal(Array.from(run.chains[k]!.series[0]!), im.states.map((f) => averagePlaquette(f)), `${spec.group} chain ${k}`);
      assert.is(run.chains[k]!.accepted, im.accepted.reduce((a, x) => a + x, 0));
      const failed = im.logw.filter((w) => w === -Infinity).length;
      assert.is(run.chains[k]!.flow!.failedDraws, failed);
      if (spec.proposal!.module === flaky) assert.is(failed, 5 * 14 + 10); // draws 0, 3, …, 39 of 5 batches of 40, then 0, …, 27
    }
    await cache.dispose();
  }
});

test('abort: chains stop at the next batch boundary and keep the prefix of the uninterrupted chain', async () => {
  for (const workers of [0, 2]) {
    const controller = new AbortController();
    const base = { spec: u1(2, 1, 0.5, 64), seed: 'ab', chains: 2, therm: 0 };
    const run = await runChains({
      ...base,
      workers,
      nPerChain: 10_000_000,
      signal: controller.signal,
      onProgress: (done) => {
        if (done[0]! > 0) controller.abort();
      },
    });
    assert.ok(run.interrupted);
    // the first progress report comes after chain 0's first batch: nothing more is passed
    assert.equal(run.chains.map((c) => c.measured), [64, 0]);
    assert.ok(run.chains.every((c) => c.interrupted && c.series[0]!.length === c.measured));
    const full = await runChains({ ...base, workers: 0, nPerChain: 64 });
    assert.equal(series(run)[0], series(full)[0]);
    const s = summariseRun(run);
    assert.is(s.measured, 64);
    assert.ok(Number.isFinite(s.observables.plaquette!.mean));
  }
});

test('streaming: a chain result holds the measured series and a few numbers, never configurations', async () => {
  const run = await runChains({ spec: u1(8, 1, 0.2, 500), seed: 's', chains: 1, workers: 0, nPerChain: 3000, therm: 0 });
  const c = run.chains[0]!;
  let bytes = 0;
  let arrays = 0;
  const walk = (x: unknown): void => {
    if (ArrayBuffer.isView(x)) (bytes += x.byteLength), arrays++;
    else if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === 'object') Object.values(x).forEach(walk);
  };
  walk(c);
  // 3 observables × 3000 doubles (+ the empty e^{−ΔH} series); one configuration alone would be 128 doubles
  assert.is(arrays, 4);
  assert.is(bytes, 3 * 3000 * 8);
  for (const s of c.series) assert.is(s.buffer.byteLength, 3000 * 8); // not views into something larger
});

test('summary: flow fields beside the usual ones; HMC summaries do not get them', async () => {
  const run = await runChains({ spec: { ...u1(2, 1, 0, 100), proposal: { module: flaky, options: { group: 'u1', dims: 2, L: 2 } } }, seed: 'sum', chains: 2, workers: 0, nPerChain: 300, therm: 0 });
  const s = summariseRun(run);
  assert.is(s.failedDraws, 2 * (34 + 34 + 34)); // draws 0, 3, …, 99 of 3 batches of 100 per chain
  assert.ok(s.proposalsPerSecond! > 0 && s.proposalsPerSecond! === (2 * 300) / run.wallSeconds);
  assert.ok(s.importanceEss! > 0 && s.importanceEss! < 1);
  assert.ok(s.acceptance > 0 && s.acceptance < 1);
  assert.is(s.measured, 600);
  assert.ok(s.secondsPerUpdate > 0);
  for (const name of ['plaquette', 'Q', 'Q2']) assert.ok(Number.isFinite(s.observables[name]!.err), name);
  const hmc = summariseRun(await runChains({ spec: { sampler: 'hmc', group: 'u1', dims: 2, L: 2, beta: 1 }, seed: 1, chains: 1, workers: 0, nPerChain: 5, therm: 0 }));
  assert.not.ok('importanceEss' in hmc || 'failedDraws' in hmc || 'proposalsPerSecond' in hmc);
});

test('clear errors: failing, mismatched or missing proposals, bad specs, unsupported options', async () => {
  const opts = { seed: 1, chains: 2, nPerChain: 10, therm: 0 };
  for (const workers of [0, 2]) {
    await rejects(
      runChains({ ...opts, workers, spec: { ...u1(2, 1, 0, 16), proposal: { module: broken, options: { group: 'u1', dims: 2, L: 2 } } } }),
      /broken\.mts: .*found no acceptable start in 10000 proposal draws/,
    );
    await rejects(
      runChains({ ...opts, workers, spec: { ...u1(2, 1, 0.1, 16), proposal: { module: vonmises, options: { group: 'u1', dims: 2, L: 6, kappa: 0.1 } } } }),
      /draws u1 fields on a 6x6 lattice, but the sampler spec asks for u1 on 2x2/,
    );
  }
  await rejects(runChains({ ...opts, workers: 0, spec: u1(2, 1, 0, 16, pathToFileURL(noExport).href) }), /does not export loadFieldProposal\(options\)/);
  await rejects(runChains({ ...opts, workers: 0, spec: { ...u1(2, 1, 0, 16), group: 'su2' } }), /draws u1 fields on a 2x2 lattice, but the sampler spec asks for su2 on 2x2/);
  await rejects(runChains({ ...opts, workers: 0, spec: u1(2, 1, 0, 16), saveConfigs: { dir, every: 1 } }), /save-configs is not supported for flow chains/);
  await rejects(runChains({ ...opts, workers: 0, spec: u1(2, 1, 0, 16), start: 'cold' }), /start 'cold' does not apply/);
  const bad: [Partial<SamplerSpec> & Record<string, unknown>, RegExp][] = [
    [{ proposal: undefined }, /sampler 'flow' needs a proposal/],
    [{ proposal: { module: 'samplers/proposals/haar.ts', options: {} } }, /absolute path or file URL/],
    [{ proposal: { module: haar, options: [] as unknown as Record<string, unknown> } }, /options must be an object/],
    [{ batch: 0 }, /flow batch must be an integer >= 1/],
    [{ sampler: 'hmc' }, /proposal and batch apply to sampler 'flow' only/],
  ];
  for (const [patch, re] of bad) assert.throws(() => validateSpec({ ...u1(2, 1, 0, 16), ...patch } as SamplerSpec), re);
  assert.throws(() => buildKernel(u1(2, 1, 0, 16)), /sampler 'flow' has no kernel/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
