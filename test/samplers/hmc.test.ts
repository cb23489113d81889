import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeLattice } from '../../lattices/geometry.ts';
import { hotStart, type GaugeField, type SUNField, type U1Field } from '../../lattices/field.ts';
import { makeRng } from '../../lattices/random.ts';
import { wilsonAction, averagePlaquette } from '../../lattices/action.ts';
import { topologicalCharge } from '../../lattices/observables.ts';
import { u1Exact2D } from '../../lattices/exact/u1.ts';
import { gammaMethod } from '../../samplers/diagnostics/index.ts';
import { hmcKernel, mdSystem } from '../../samplers/hmc.ts';
import { integrate, type IntegratorName } from '../../samplers/integrators.ts';
import type { HmcSystem } from '../../samplers/hmc_system.ts';
import { fillGaussianPolar } from '../../samplers/hmc_gaussian.ts';
import { expSU3 } from '../../samplers/hmc_exp.ts';
import { expTAH, mul, reTraceMul, sunError } from '../../lattices/matrix.ts';
import { randomAlgebra } from '../../lattices/action.ts';

function links(f: GaugeField): Float64Array {
  return f.group.kind === 'u1' ? (f as U1Field).theta : (f as SUNField).links;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function system(group: 'u1' | 'su2' | 'su3' | 'su4', dims: number, L: number, beta: number, seed: number): { f: GaugeField; sys: HmcSystem } {
  const lat = makeLattice(new Array(dims).fill(L));
  const g = group === 'u1' ? { kind: 'u1' as const } : { kind: 'sun' as const, N: Number(group.slice(2)) };
  const f = hotStart(lat, g, makeRng(seed, 'start'));
  const sys = mdSystem(f, beta);
  sys.computeForce();
  return { f, sys };
}

test('momentum draws: polar-method normals have mean 0, variance 1, kurtosis 3 (5σ)', () => {
  const n = 200001; // odd: the last draw uses half a pair
  const x = new Float64Array(n);
  fillGaussianPolar(makeRng(1, 'gauss'), x);
  let m1 = 0, m2 = 0, m4 = 0;
  for (const v of x) { m1 += v; m2 += v * v; m4 += v ** 4; }
  m1 /= n; m2 /= n; m4 /= n;
  assert.ok(Math.abs(m1) < 5 / Math.sqrt(n), `mean ${m1}`);
  assert.ok(Math.abs(m2 - 1) < 5 * Math.sqrt(2 / n), `variance ${m2}`);
  assert.ok(Math.abs(m4 - 3) < 5 * Math.sqrt(96 / n), `fourth moment ${m4}`);
  assert.ok(x[n - 1] !== 0, 'last element filled');
});

test('Cayley–Hamilton exp on su(3) agrees with the Taylor expTAH and stays in SU(3) (‖X‖ from 1e-8 to 10)', () => {
  const rng = makeRng(2, 'exp');
  const a = new Float64Array(18), e1 = new Float64Array(18), e2 = new Float64Array(18), e3 = new Float64Array(18);
  for (const scale of [1e-8, 1e-3, 0.1, 0.7, 3, 10]) {
    for (let t = 0; t < 50; t++) {
      randomAlgebra(3, rng, a, 0);
      for (let k = 0; k < 18; k++) a[k] *= scale;
      expSU3(a, 0, e1, 0);
      expTAH(a, 0, e2, 0, 3);
      let d = 0;
      for (let k = 0; k < 18; k++) d = Math.max(d, Math.abs(e1[k] - e2[k]));
      assert.ok(d < 1e-14 * Math.max(1, scale), `scale ${scale}: |exp_CH − exp_Taylor| = ${d}`);
      assert.ok(sunError(e1, 0, 3) < 1e-13 * Math.max(1, scale), `scale ${scale}: exp left SU(3) by ${sunError(e1, 0, 3)}`);
      // exp(−X) exp(X) = 1 is what makes the HMC drift reversible
      for (let k = 0; k < 18; k++) a[k] = -a[k];
      expSU3(a, 0, e3, 0);
      let inv = 0;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
        let re = 0, im = 0;
        for (let k = 0; k < 3; k++) {
          const xr = e3[2 * (3 * i + k)], xi = e3[2 * (3 * i + k) + 1], yr = e1[2 * (3 * k + j)], yi = e1[2 * (3 * k + j) + 1];
          re += xr * yr - xi * yi; im += xr * yi + xi * yr;
        }
        inv = Math.max(inv, Math.hypot(re - (i === j ? 1 : 0), im));
      }
      assert.ok(inv < 1e-13 * Math.max(1, scale), `scale ${scale}: exp(−X)exp(X) − 1 = ${inv}`);
    }
  }
});

test('MD force is the derivative of the action: dS/dε(e^{εX}U_l) = −2 Re tr(F_l X) (SU(N)), ∂S/∂θ_l (U(1))', () => {
  for (const [group, dims] of [['u1', 2], ['u1', 4], ['su2', 3], ['su3', 2], ['su3', 4]] as const) {
    const beta = 1.7;
    const { f, sys } = system(group, dims, 3, beta, 11);
    const F = (sys as unknown as { force: Float64Array }).force;
    assert.ok(Math.abs(sys.action() - wilsonAction(f, beta)) < 1e-12 * Math.abs(wilsonAction(f, beta)));
    const rng = makeRng(11, 'fd', group, dims);
    const h = 1e-5;
    for (const l of [0, 5, 17]) {
      if (f.group.kind === 'u1') {
        const th = (f as U1Field).theta, t0 = th[l];
        th[l] = t0 + h; const sp = wilsonAction(f, beta);
        th[l] = t0 - h; const sm = wilsonAction(f, beta);
        th[l] = t0;
        const fd = (sp - sm) / (2 * h);
        assert.ok(Math.abs(fd - F[l]) < 1e-7 * Math.max(1, Math.abs(fd)), `${group} d=${dims} link ${l}: ${F[l]} vs finite difference ${fd}`);
        continue;
      }
      const N = f.group.N, m = 2 * N * N, U = (f as SUNField).links, o = l * m;
      const X = new Float64Array(m), E = new Float64Array(m), T = new Float64Array(m);
      randomAlgebra(N, rng, X, 0);
      const u0 = U.slice(o, o + m);
      const shifted = (eps: number) => {
        const Y = X.map((v) => eps * v);
        expTAH(Y, 0, E, 0, N);
        mul(E, 0, u0, 0, T, 0, N);
        U.set(T, o);
        const s = wilsonAction(f, beta);
        U.set(u0, o);
        return s;
      };
      const fd = (shifted(h) - shifted(-h)) / (2 * h);
      const pred = -2 * reTraceMul(F, o, X, 0, N);
      assert.ok(Math.abs(fd - pred) < 1e-7 * Math.max(1, Math.abs(fd)), `${group} d=${dims} link ${l}: −2Re tr(FX) = ${pred} vs finite difference ${fd}`);
    }
  }
});

test('exact reversibility: integrate, flip momenta, integrate back (U(1), SU(3) in d = 2, 4; SU(2) d = 3, SU(4) d = 2; both integrators)', () => {
  const cases: ['u1' | 'su2' | 'su3' | 'su4', number][] = [['u1', 2], ['u1', 4], ['su3', 2], ['su3', 4], ['su2', 3], ['su4', 2]];
  for (const [group, dims] of cases) {
    {
      for (const integ of ['leapfrog', 'omelyan'] as IntegratorName[]) {
        const L = dims === 2 ? 4 : dims === 3 ? 3 : 2;
        const { f, sys } = system(group, dims, L, group === 'u1' ? 2 : 5, 3);
        sys.refreshMomenta(makeRng(3, 'mom', group, dims, integ));
        const u0 = links(f).slice();
        const p0 = (sys as unknown as { p: Float64Array }).p.slice();
        integrate(sys, integ, 0.1, 10);
        const moved = maxAbsDiff(links(f), u0);
        sys.flipMomenta();
        integrate(sys, integ, 0.1, 10);
        const back = maxAbsDiff(links(f), u0);
        const p1 = (sys as unknown as { p: Float64Array }).p;
        let pErr = 0;
        for (let i = 0; i < p0.length; i++) pErr = Math.max(pErr, Math.abs(p1[i] + p0[i]));
        assert.ok(moved > 0.05, `${group} d=${dims} ${integ}: trajectory did not move the links (${moved})`);
        assert.ok(back < 1e-10, `${group} d=${dims} ${integ}: links return to ${back}`);
        assert.ok(pErr < 1e-10, `${group} d=${dims} ${integ}: momenta return to ${pErr}`);
      }
    }
  }
});

/** |ΔH| of one trajectory of length 1 from a fixed start and fixed momenta. */
function deltaH(group: 'u1' | 'su3', integ: IntegratorName, nSteps: number): number {
  const { sys } = system(group, 2, 4, group === 'u1' ? 2 : 5, 5);
  sys.refreshMomenta(makeRng(5, 'mom'));
  const h0 = sys.kinetic() + sys.action();
  integrate(sys, integ, 1 / nSteps, nSteps);
  return sys.kinetic() + sys.action() - h0;
}

test('single-trajectory |ΔH| scales as ε² (slope of log|ΔH| vs log ε), Omelyan far below leapfrog', () => {
  for (const group of ['u1', 'su3'] as const) {
    const steps = [8, 16, 32, 64];
    const lf = steps.map((n) => Math.abs(deltaH(group, 'leapfrog', n)));
    const om = steps.map((n) => Math.abs(deltaH(group, 'omelyan', n)));
    // least-squares slope of log|ΔH| against log ε = −log n
    const slope = (ys: number[]) => {
      const xs = steps.map((n) => -Math.log(n)), ls = ys.map(Math.log);
      const mx = xs.reduce((a, b) => a + b) / xs.length, my = ls.reduce((a, b) => a + b) / ls.length;
      let sxy = 0, sxx = 0;
      for (let i = 0; i < xs.length; i++) { sxy += (xs[i] - mx) * (ls[i] - my); sxx += (xs[i] - mx) ** 2; }
      return sxy / sxx;
    };
    const sLf = slope(lf), sOm = slope(om);
    assert.ok(Math.abs(sLf - 2) < 0.15, `${group} leapfrog slope ${sLf} (|ΔH| = ${lf.join(', ')})`);
    assert.ok(Math.abs(sOm - 2) < 0.25, `${group} omelyan slope ${sOm} (|ΔH| = ${om.join(', ')})`);
    assert.ok(om[1] < lf[1] / 3, `${group} omelyan |ΔH| ${om[1]} not well below leapfrog ${lf[1]} at ε = 1/16`);
  }
});

test('equilibrium ⟨ΔH²⟩ scales as ε⁴ for leapfrog (U(1) 8×8, β = 2; slope of log⟨ΔH²⟩ vs log ε)', () => {
  const steps = [6, 8, 12, 16];
  const logM: number[] = [], relErr: number[] = [];
  for (const md of steps) {
    const f = hotStart(makeLattice([8, 8]), { kind: 'u1' }, makeRng(31, 'start'));
    const k = hmcKernel({ beta: 2, trajLength: 1, mdSteps: md, integrator: 'leapfrog' });
    const sq: number[] = [];
    runChain(f, k, 2200, 31 + md, (i, dH) => { if (i >= 200) sq.push(dH * dH); });
    const r = gammaMethod(sq);
    logM.push(Math.log(r.value));
    relErr.push(r.err / r.value);
  }
  const xs = steps.map((n) => -Math.log(n));
  const mx = xs.reduce((a, b) => a + b) / xs.length, my = logM.reduce((a, b) => a + b) / logM.length;
  let sxy = 0, sxx = 0;
  for (let i = 0; i < xs.length; i++) { sxy += (xs[i] - mx) * (logM[i] - my); sxx += (xs[i] - mx) ** 2; }
  const slope = sxy / sxx;
  // error of an unweighted least-squares slope from the per-point errors of log⟨ΔH²⟩
  let v = 0;
  for (let i = 0; i < xs.length; i++) v += ((xs[i] - mx) / sxx) ** 2 * relErr[i] ** 2;
  const err = Math.sqrt(v);
  assert.ok(err < 0.3, `slope error ${err} too large`);
  assert.ok(Math.abs(slope - 4) < 4 * err + 0.1, `slope ${slope} ± ${err}, expected 4 (leading ε⁴ plus small higher orders)`);
});

function runChain(f: GaugeField, kernel: ReturnType<typeof hmcKernel>, n: number, seed: number, each: (i: number, dH: number, acc: boolean) => void): void {
  let s = kernel.init(f);
  const rng = makeRng(seed, 'chain', 0);
  for (let i = 0; i < n; i++) {
    const [s2, info] = kernel.step(s, rng);
    s = s2;
    each(i, info.deltaH!, info.accepted);
  }
}

test('⟨e^{−ΔH}⟩ = 1 within errors (U(1) 2D L=8 and SU(2) 2D L=4, coarse steps, acceptance 75–85%, 400 trajectories)', () => {
  for (const [group, L, beta, md] of [['u1', 8, 2, 4], ['su2', 4, 2, 3]] as const) {
    const lat = makeLattice([L, L]);
    const f = hotStart(lat, group === 'u1' ? { kind: 'u1' } : { kind: 'sun', N: 2 }, makeRng(7, 'start'));
    const k = hmcKernel({ beta, trajLength: 1, mdSteps: md, integrator: 'leapfrog' });
    const n = 400, burn = 50;
    const w: number[] = [];
    let acc = 0;
    runChain(f, k, n + burn, 7, (i, dH, a) => { if (i >= burn) { w.push(Math.exp(-dH)); acc += a ? 1 : 0; } });
    const r = gammaMethod(w);
    assert.ok(acc / n < 0.95 && acc / n > 0.3, `${group}: acceptance ${acc / n} should be non-trivial for this test`);
    assert.ok(r.err < 0.1, `${group}: error ${r.err} too large for a meaningful test`);
    assert.ok(Math.abs(r.value - 1) < 4 * r.err, `${group}: ⟨e^{-ΔH}⟩ = ${r.value} ± ${r.err}`);
  }
});

test('HMC reproduces the exact 2D U(1) plaquette and ⟨Q²⟩ on 6×6 at β = 2 (Γ-method errors, 4σ)', () => {
  const L = 6, beta = 2;
  const ex = u1Exact2D(beta, L);
  const f = hotStart(makeLattice([L, L]), { kind: 'u1' }, makeRng(21, 'start'));
  const k = hmcKernel({ beta, trajLength: 1, mdSteps: 8, integrator: 'omelyan' });
  const n = 20000, burn = 200;
  const plaq = new Float64Array(n), q2 = new Float64Array(n);
  runChain(f, k, n + burn, 21, (i) => {
    if (i < burn) return;
    plaq[i - burn] = averagePlaquette(f);
    const Q = topologicalCharge(f as U1Field);
    q2[i - burn] = Q * Q;
  });
  const rp = gammaMethod(plaq), rq = gammaMethod(q2);
  assert.ok(rp.err < 0.002, `plaquette error ${rp.err} too large`);
  assert.ok(Math.abs(rp.value - ex.plaquette) < 4 * rp.err, `plaquette ${rp.value} ± ${rp.err} vs exact ${ex.plaquette}`);
  assert.ok(Math.abs(rq.value - ex.Q2) < 4 * rq.err, `Q² ${rq.value} ± ${rq.err} vs exact ${ex.Q2}`);
});

test('rejected trajectories restore links bit for bit; cached action and force stay those of the field', () => {
  for (const group of ['u1', 'su3'] as const) {
    const lat = makeLattice([4, 4]);
    const f = hotStart(lat, group === 'u1' ? { kind: 'u1' } : { kind: 'sun', N: 3 }, makeRng(41, group));
    // one huge leapfrog step: ΔH is enormous and the proposal is rejected
    const wild = hmcKernel({ beta: 3, trajLength: 6, mdSteps: 1, integrator: 'leapfrog' });
    const s = wild.init(f);
    const before = links(f).slice();
    const [, info] = wild.step(s, makeRng(41, 'wild'));
    assert.ok(!info.accepted && info.deltaH! > 50, `${group}: expected a rejection, ΔH = ${info.deltaH}`);
    assert.equal(Array.from(links(f)), Array.from(before), `${group}: links not restored`);
    // a coarse chain mixing accepts and rejects: the cached S and F must remain those of the field
    const kc = hmcKernel({ beta: 3, trajLength: 1, mdSteps: group === 'u1' ? 3 : 2, integrator: 'leapfrog' });
    const sc = kc.init(f);
    const rng = makeRng(41, 'chain');
    let acc = 0, rej = 0;
    for (let i = 0; i < 40; i++) { const [, inf] = kc.step(sc, rng); if (inf.accepted) acc++; else rej++; }
    assert.ok(acc > 0 && rej > 0, `${group}: want both accepts and rejects (acc ${acc}, rej ${rej})`);
    const S = wilsonAction(f, 3);
    assert.ok(Math.abs(sc.action - S) < 1e-9 * Math.abs(S), `${group}: cached action ${sc.action} vs ${S}`);
    const fresh = mdSystem(f, 3);
    fresh.computeForce();
    const F = (sc.sys as unknown as { force: Float64Array }).force, F0 = (fresh as unknown as { force: Float64Array }).force;
    assert.ok(maxAbsDiff(F, F0) < 1e-9, `${group}: cached force is stale by ${maxAbsDiff(F, F0)}`);
  }
});

test('hmcKernel rejects bad options with clear messages', () => {
  assert.throws(() => hmcKernel({ beta: -1, trajLength: 1, mdSteps: 10, integrator: 'leapfrog' }), /beta/);
  assert.throws(() => hmcKernel({ beta: 1, trajLength: 0, mdSteps: 10, integrator: 'leapfrog' }), /trajLength/);
  assert.throws(() => hmcKernel({ beta: 1, trajLength: 1, mdSteps: 2.5, integrator: 'leapfrog' }), /mdSteps/);
  assert.throws(() => hmcKernel({ beta: 1, trajLength: 1, mdSteps: 10, integrator: 'verlet' as IntegratorName }), /integrator/);
});

test.run();
