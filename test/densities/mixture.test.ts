import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { meanNegLog, mixtureLogDensity, MIXTURE_WEIGHTS, selectWeight } from '../../src/densities/mixture.ts';

test('mixture log-density: log(w e^a + (1 − w) e^b), stable for far-apart values and at w = 0, 1', () => {
  const a = Float64Array.of(-1, -800, 3);
  const b = Float64Array.of(-2, 2, -900);
  const m = mixtureLogDensity(a, b, 0.3);
  assert.ok(Math.abs(m[0]! - Math.log(0.3 * Math.exp(-1) + 0.7 * Math.exp(-2))) < 1e-14);
  assert.ok(Math.abs(m[1]! - (Math.log(0.7) + 2)) < 1e-14);
  assert.ok(Math.abs(m[2]! - (Math.log(0.3) + 3)) < 1e-14);
  assert.equal(Array.from(mixtureLogDensity(a, b, 1)), Array.from(a));
  assert.equal(Array.from(mixtureLogDensity(a, b, 0)), Array.from(b));
  assert.throws(() => mixtureLogDensity(a, b, 1.5), /weight/);
  assert.throws(() => mixtureLogDensity(a, b.slice(1), 0.5), /log-densities/);
});

test('weight selection: the validation optimum of a known mixture, and none for a useless density', () => {
  // points drawn 30% from A, 70% from B where A and B do not overlap: the best weight is 0.3
  const n = 1000;
  const la = new Float64Array(n).map((_, i) => (i < 300 ? 0 : -50));
  const lb = new Float64Array(n).map((_, i) => (i < 300 ? -50 : 0));
  assert.is(selectWeight(la, lb).weight, 0.3);
  // A uniformly worse than B everywhere: weight 0
  const sel = selectWeight(lb.map((v) => v - 3), lb);
  assert.is(sel.weight, 0);
  assert.ok(Math.abs(sel.valNLL - meanNegLog(lb)) < 1e-12);
  assert.ok(MIXTURE_WEIGHTS.includes(0.01) && MIXTURE_WEIGHTS.includes(1));
});

test.run();
