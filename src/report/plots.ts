/**
 * The report's plots as Vega-Lite specs built from run records (src/report/records.ts): training
 * loss and ESS against step, Q and plaquette histories per chain, the Γ-method autocorrelation
 * function with its window, the charge histogram against the exact P(Q), and τ_int(Q) against β.
 * Data go in as plain values; missing numbers (null) are left out by Vega-Lite's invalid filter.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { ChainsRecord, ScanPoint, TrainingRecord } from './records.ts';

export interface Plot {
  /** stable identifier, used as the figure's id in the HTML */
  id: string;
  caption: string;
  spec: TopLevelSpec;
}

const WIDTH = 560;
const HEIGHT = 190;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/** null for NaN, ±∞ and missing values: Vega-Lite drops them from continuous scales. */
const num = (x: number | null | undefined): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);

const slug = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();

/** One line per run of `field` against the training step. */
function trainingLine(id: string, caption: string, title: string, rows: object[], field: string, yTitle: string, scale: object): Plot {
  return {
    id,
    caption,
    spec: {
      $schema: SCHEMA,
      title,
      width: WIDTH,
      height: HEIGHT,
      data: { values: rows },
      mark: { type: 'line', strokeWidth: 1.2 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'training step' },
        y: { field, type: 'quantitative', title: yTitle, scale },
        color: { field: 'run', type: 'nominal', title: null },
      },
    },
  };
}

export function trainingPlots(records: readonly TrainingRecord[]): Plot[] {
  const rows = records.flatMap((r) => r.step.map((s, i) => ({ run: r.label, step: s, loss: num(r.loss[i]), ess: num(r.ess[i]) })));
  if (rows.length === 0) return [];
  const plots = [
    trainingLine('training-loss', 'Training loss (reverse KL up to the unknown log Z: loss = ⟨log q − log p⟩ over the batch) against the training step.', 'Training loss', rows, 'loss', 'loss', { zero: false }),
  ];
  if (rows.some((r) => r.ess !== null)) {
    plots.push(trainingLine('training-ess', "Normalised importance ESS (Σw)²/(N Σw²) of each logged step's training batch (noisy: one batch per point).", 'Training batch ESS', rows, 'ess', 'ESS / N', { domain: [0, 1] }));
  }
  return plots;
}

const OBS_TITLE: Record<string, string> = { Q: 'topological charge Q', plaquette: 'plaquette cos θ_P' };

/** Histories (one line per chain), with the exact mean as a dashed rule where known. */
export function historyPlot(r: ChainsRecord, obs: string): Plot | null {
  const rows = r.histories.chains.flatMap((c, k) => {
    const s = c.series[obs];
    return s ? c.index.map((i, j) => ({ chain: `chain ${k}`, t: i, v: num(s[j]) })) : [];
  });
  if (rows.length === 0) return null;
  const exact = r.exact?.[obs];
  const layers: object[] = [
    {
      mark: { type: 'line', strokeWidth: 0.9, interpolate: obs === 'Q' ? 'step-after' : 'linear', opacity: 0.85 },
      encoding: {
        x: { field: 't', type: 'quantitative', title: `measurement${r.histories.stride > 1 ? ` (1 in ${r.histories.stride} shown)` : ''}` },
        y: { field: 'v', type: 'quantitative', title: OBS_TITLE[obs] ?? obs, scale: { zero: false } },
        color: { field: 'chain', type: 'nominal', title: null },
      },
    },
  ];
  if (exact !== undefined && exact !== null && obs !== 'Q') {
    layers.push({ data: { values: [{ v: exact }] }, mark: { type: 'rule', strokeDash: [4, 3], color: 'black' }, encoding: { y: { field: 'v', type: 'quantitative' } } });
  }
  return {
    id: `history-${slug(r.label)}-${slug(obs)}`,
    caption: `${r.label}: ${OBS_TITLE[obs] ?? obs} on every measured configuration${r.histories.stride > 1 ? ` (decimated: 1 in ${r.histories.stride} shown)` : ''}, one line per chain${exact !== undefined && obs !== 'Q' ? '; dashed: exact ⟨·⟩' : ''}.`,
    spec: { $schema: SCHEMA, title: `${r.label}: ${obs} history`, width: WIDTH, height: HEIGHT, data: { values: rows }, layer: layers } as TopLevelSpec,
  };
}

/** ρ(t) with the Γ-method window W marked. */
export function autocorrelationPlot(r: ChainsRecord, obs: string): Plot | null {
  const a = r.autocorrelation[obs];
  if (!a || a.lag.length === 0) return null;
  const rows = a.lag.map((t, i) => ({ t, rho: num(a.rho[i]) }));
  const tau = num(a.tauInt);
  const tauText = tau === null ? 'τ_int undefined' : `τ_int = ${tau.toPrecision(3)}${num(a.tauIntErr) !== null ? ` ± ${a.tauIntErr.toPrecision(2)}` : ' (lower bound)'}`;
  const layers: object[] = [
    { data: { values: [{ y: 0 }] }, mark: { type: 'rule', color: '#999' }, encoding: { y: { field: 'y', type: 'quantitative' } } },
    {
      mark: { type: 'line', point: rows.length <= 60, strokeWidth: 1.3 },
      encoding: { x: { field: 't', type: 'quantitative', title: 'lag t (measurements)' }, y: { field: 'rho', type: 'quantitative', title: 'ρ(t)' } },
    },
  ];
  if (a.window > 0) {
    layers.push(
      { data: { values: [{ W: a.window }] }, mark: { type: 'rule', color: '#d62728', strokeDash: [5, 3], strokeWidth: 1.5 }, encoding: { x: { field: 'W', type: 'quantitative' } } },
      {
        data: { values: [{ W: a.window, label: `W = ${a.window}` }] },
        mark: { type: 'text', color: '#d62728', align: 'left', dx: 4, dy: -4, baseline: 'bottom' },
        encoding: { x: { field: 'W', type: 'quantitative' }, y: { datum: 1, type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  return {
    id: `acf-${slug(r.label)}-${slug(obs)}`,
    caption: `${r.label}: normalised autocorrelation function of ${obs} (Γ-method, chains as replica, bias-corrected); red: the automatic window W (S = 1.5). ${tauText}.${a.warning ? ` Warning: ${a.warning}.` : ''}`,
    spec: { $schema: SCHEMA, title: `${r.label}: autocorrelation of ${obs}`, width: WIDTH, height: HEIGHT, data: { values: rows }, layer: layers } as TopLevelSpec,
  };
}

/** Frequency of each charge against the exact P(Q). */
export function chargePlot(r: ChainsRecord): Plot | null {
  const c = r.charge;
  if (!c || c.Q.length === 0) return null;
  const total = c.count.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rows = c.Q.map((q, i) => ({ Q: q, sampled: c.count[i]! / total, exact: c.exactP ? num(c.exactP[i]) : null }));
  const layers: object[] = [
    {
      mark: { type: 'bar', color: '#4c78a8', opacity: 0.8, width: { band: 0.7 } },
      encoding: { x: { field: 'Q', type: 'ordinal', title: 'Q', axis: { labelAngle: 0 } }, y: { field: 'sampled', type: 'quantitative', title: 'probability' } },
    },
  ];
  if (c.exactP) {
    layers.push({
      mark: { type: 'point', shape: 'diamond', filled: true, color: '#d62728', size: 70 },
      encoding: { x: { field: 'Q', type: 'ordinal' }, y: { field: 'exact', type: 'quantitative' } },
    });
  }
  return {
    id: `charge-${slug(r.label)}`,
    caption: `${r.label}: fraction of the ${total} measurements in each topological sector (bars)${c.exactP ? ' against the exact finite-volume P(Q) (red diamonds, lattices/exact/u1.ts)' : ''}.`,
    spec: { $schema: SCHEMA, title: `${r.label}: charge distribution`, width: WIDTH, height: HEIGHT, data: { values: rows }, layer: layers } as TopLevelSpec,
  };
}

/** τ_int(Q) against β, log scale, one line per (sampler, L); hollow points are lower bounds. */
export function tauVsBetaPlot(points: readonly ScanPoint[], id = 'tau-vs-beta'): Plot | null {
  const rows = points
    .filter((p) => num(p.tauIntQ) !== null && p.tauIntQ! > 0)
    .map((p) => {
      const tau = p.tauIntQ!;
      const err = num(p.tauIntQErr);
      return {
        series: `${p.sampler} L=${p.L}`,
        sampler: p.sampler,
        L: `L=${p.L}`,
        beta: p.beta,
        tau,
        lo: err !== null ? Math.max(tau - err, tau * 0.05) : null,
        hi: err !== null ? tau + err : null,
        status: p.warning ? 'lower bound' : 'estimate',
      };
    });
  if (new Set(rows.map((r) => r.beta)).size < 2) return null;
  const x = { field: 'beta', type: 'quantitative', title: 'β', scale: { zero: false } };
  return {
    id,
    caption: 'Integrated autocorrelation time of Q (in measurements) against β, log scale, with Γ-method errors; filled circles: estimates; hollow squares: the automatic window failed (series too short), so τ_int is a lower bound.',
    spec: {
      $schema: SCHEMA,
      title: 'τ_int(Q) against β',
      width: WIDTH,
      height: 260,
      data: { values: rows },
      layer: [
        { mark: { type: 'line', strokeWidth: 1.3 }, encoding: { x, y: { field: 'tau', type: 'quantitative', title: 'τ_int(Q)', scale: { type: 'log' } }, color: { field: 'sampler', type: 'nominal' }, strokeDash: { field: 'L', type: 'nominal', title: 'volume' }, detail: { field: 'series' } } },
        { mark: { type: 'rule' }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: { field: 'sampler', type: 'nominal' } } },
        {
          transform: [{ filter: "datum.status === 'estimate'" }],
          mark: { type: 'point', size: 60, filled: true, shape: 'circle' },
          encoding: { x, y: { field: 'tau', type: 'quantitative' }, color: { field: 'sampler', type: 'nominal', title: 'sampler' } },
        },
        {
          transform: [{ filter: "datum.status !== 'estimate'" }],
          mark: { type: 'point', size: 70, filled: false, shape: 'square', strokeWidth: 1.8 },
          encoding: { x, y: { field: 'tau', type: 'quantitative' }, color: { field: 'sampler', type: 'nominal', title: 'sampler' } },
        },
      ],
    } as TopLevelSpec,
  };
}

/**
 * Points on S² as longitude/latitude (equirectangular): samples of a fitted density against the
 * held-out test points of its data set (bench/earth.ts).
 */
export function sphereSamplesPlot(id: string, title: string, samples: readonly [number, number][], test: readonly [number, number][]): Plot {
  const rows = [
    ...samples.map(([lat, lon]) => ({ lat, lon, set: 'model samples' })),
    ...test.map(([lat, lon]) => ({ lat, lon, set: 'test points' })),
  ];
  return {
    id: slug(id),
    caption: `${title}: samples of the fitted density (grey) against the test split (red), longitude/latitude in degrees.`,
    spec: {
      $schema: SCHEMA,
      title,
      width: WIDTH,
      height: WIDTH / 2,
      data: { values: rows },
      mark: { type: 'circle', size: 6, opacity: 0.5 },
      encoding: {
        x: { field: 'lon', type: 'quantitative', title: 'longitude (°)', scale: { domain: [-180, 180] } },
        y: { field: 'lat', type: 'quantitative', title: 'latitude (°)', scale: { domain: [-90, 90] } },
        color: { field: 'set', type: 'nominal', title: null, scale: { domain: ['model samples', 'test points'], range: ['#9a9a9a', '#d62728'] } },
      },
    },
  };
}
