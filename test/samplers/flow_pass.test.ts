import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeRng } from '../../lattices/random.ts';
import { importanceEss } from '../../samplers/diagnostics/index.ts';
import { addLogWeight, emptyImportance, importanceEssOfSums, mergeImportance } from '../../samplers/diagnostics/importance_stream.ts';
import { FlowPass, runFlowPass, type WeightedDraws } from '../../samplers/flow_pass.ts';
import { metropolisPass } from '../../samplers/metropolis.ts';

/** n draws with log-weights around `offset` (every 7th failed) and two observables derived from the index. */
function draws(n: number, seed: string, offset = 0): { logw: Float64Array; obs: Float64Array } {
  const rng = makeRng(seed);
  const logw = new Float64Array(n);
  const obs = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) {
    logw[i] = i % 7 === 3 ? -Infinity : offset + 3 * (rng() - 0.5);
    obs[2 * i] = i;
    obs[2 * i + 1] = Math.sin(i);
  }
  return { logw, obs };
}

function split(d: WeightedDraws, sizes: number[]): WeightedDraws[] {
  const out: WeightedDraws[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push({ logw: d.logw.slice(at, at + s), obs: d.obs.slice(2 * at, 2 * (at + s)) });
    at += s;
  }
  return out;
}

test('streamed importance ESS equals the batch formula, for weights near ±1000, in any order and merged', () => {
  for (const offset of [0, 1000, -1000]) {
    const { logw } = draws(500, `w${offset}`, offset);
    logw[10] = offset + 40; // a dominant weight arriving late rescales the earlier sums
    const exact = importanceEss(logw);
    const s = emptyImportance();
    for (const w of logw) addLogWeight(s, w);
    assert.ok(Math.abs(importanceEssOfSums(s) - exact) < 1e-12 * exact, `${importanceEssOfSums(s)} vs ${exact}`);
    assert.is(s.n, 500);
    const a = emptyImportance();
    const b = emptyImportance();
    for (let i = 0; i < 500; i++) addLogWeight(i < 137 ? a : b, logw[i]!);
    const m = mergeImportance(a, b);
    assert.ok(Math.abs(importanceEssOfSums(m) - exact) < 1e-12 * exact);
    assert.ok(Math.abs(importanceEssOfSums(mergeImportance(emptyImportance(), m)) - exact) < 1e-12 * exact);
  }
  // only failed draws: undefined
  const f = emptyImportance();
  addLogWeight(f, -Infinity);
  assert.ok(Number.isNaN(importanceEssOfSums(f)));
});

test('the pass makes the decisions of metropolisPass (same rule, same uniforms) and records the current state', () => {
  const d = draws(300, 'mp');
  const r = runFlowPass([d], { nObs: 2, therm: 0, nMeas: 300, rng: makeRng('acc') });
  // reference: metropolisPass over the draw indices, with log p = log w and log q = 0
  const ref = metropolisPass({ logDensity: (i: number) => d.logw[i]! }, { xs: Array.from({ length: 300 }, (_, i) => i), logq: new Float64Array(300) }, null, makeRng('acc'));
  assert.equal(Array.from(r.series[0]!), ref.states);
  assert.equal(Array.from(r.series[1]!), ref.states.map((i) => Math.sin(i)));
  assert.is(r.accepted, ref.accepted.reduce((a, x) => a + x, 0));
  assert.ok(Math.abs(r.acceptProbSum - ref.acceptProb.reduce((a, x) => a + x, 0)) < 1e-12);
  assert.is(r.failedDraws, 43);
  assert.ok(r.accepted > 30 && r.accepted < 270, `accepted ${r.accepted}`); // the rule is exercised both ways
});

test('batch boundaries do not matter; therm and measEvery select the post-acceptance states', () => {
  const d = draws(400, 'bb');
  const opts = { nObs: 2, therm: 0, nMeas: 400 };
  const whole = runFlowPass([d], { ...opts, rng: makeRng('a') });
  const parts = runFlowPass(split(d, [1, 63, 64, 200, 72]), { ...opts, rng: makeRng('a') });
  assert.equal(Array.from(parts.series[0]!), Array.from(whole.series[0]!));
  assert.is(parts.accepted, whole.accepted);
  // therm 30, every 3rd: states 32, 35, … of the same chain; draws past the wanted ones are ignored
  const thinned = runFlowPass(split(d, [100, 100, 100, 100]), { nObs: 2, therm: 30, nMeas: 50, measEvery: 3, rng: makeRng('a') });
  assert.equal(Array.from(thinned.series[0]!), Array.from({ length: 50 }, (_, j) => whole.series[0]![30 + 3 * j + 2]!));
  assert.is(thinned.draws, 180);
  assert.is(thinned.postTherm, 150);
  assert.is(thinned.importance.n, 180);
  let acc = 0;
  for (let i = 30; i < 180; i++) acc += whole.series[0]![i] !== whole.series[0]![i - 1] ? 1 : 0;
  assert.is(thinned.accepted, acc); // observable 0 is the draw index: a change is an acceptance
});

test('a failed first draw needs a supplied start (kept until the first acceptance); without one it is an error', () => {
  const d = draws(50, 'st');
  d.logw[0] = -Infinity;
  assert.throws(() => runFlowPass([d], { nObs: 2, therm: 0, nMeas: 50, rng: makeRng('s') }), /first draw failed and no valid start/);
  const start = { logw: 0, obs: new Float64Array([-1, -2]) };
  const r = runFlowPass([d], { nObs: 2, therm: 0, nMeas: 50, rng: makeRng('s') }, (b) => (b === 0 ? start : undefined));
  assert.is(r.series[0]![0], -1);
  assert.is(r.series[1]![0], -2);
  assert.ok(r.series[0]!.some((x) => x > 0));
  const pass = new FlowPass({ nObs: 2, therm: 0, nMeas: 10, rng: makeRng('s') });
  assert.throws(() => pass.push({ logw: new Float64Array([NaN]), obs: new Float64Array(2) }, start), /log-weight of draw 0 is NaN/);
  assert.throws(() => new FlowPass({ nObs: 0, therm: 0, nMeas: 1, rng: makeRng('s') }), /nObs must be an integer ≥ 1/);
});

test.run();
