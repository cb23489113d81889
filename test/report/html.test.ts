import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fmt } from '../../src/report/html.ts';

// An 8×8 HMC run of two minutes measures ~10⁶ charges: its ESS (formatted with 0 digits) once made
// toExponential(−1) throw and the whole report fail.
test('report number format: fixed digits, exponent notation for huge and tiny values at any digit count', () => {
  assert.is(fmt(0.69778, 4), '0.6978');
  assert.is(fmt(625837.3, 0), '625837');
  assert.is(fmt(2292102, 0), '2.3e+6');
  assert.is(fmt(2292102, 4), '2.292e+6');
  assert.is(fmt(4.2e-5, 1), '4.2e-5');
  assert.is(fmt(0, 0), '0');
  assert.is(fmt(Number.NaN), '—');
  assert.is(fmt(undefined), '—');
});

test.run();
