/**
 * One self-contained HTML report from run records: tables of estimates against exact values, and
 * every plot of src/report/plots.ts rendered to inline SVG in Node (src/report/render.ts). No
 * script, stylesheet, font or image is loaded from anywhere: the file opens offline.
 */
import os from 'node:os';
import { scanPointsFromChains, type ChainsRecord, type RunRecord, type ScanRecord, type TrainingRecord } from './records.ts';
import { autocorrelationPlot, chargePlot, historyPlot, tauVsBetaPlot, trainingPlots, type Plot } from './plots.ts';
import { renderSvg } from './render.ts';

export interface ReportOptions {
  title?: string;
  /** where the records came from (shown in the header) */
  source: string;
}

const esc = (s: unknown) => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

/** Fixed digits, or exponent notation (at least two significant digits) for very large or small values. */
export function fmt(x: unknown, digits = 4): string {
  if (!isNum(x)) return '—';
  if (x !== 0 && (Math.abs(x) >= 1e6 || Math.abs(x) < 1e-3)) return x.toExponential(Math.max(digits - 1, 1));
  return x.toFixed(digits);
}

/** Two significant digits, as errors are quoted. */
const fmtErr = (x: unknown) => (isNum(x) ? (x === 0 ? '0' : x.toPrecision(2)) : '—');

function table(head: string[], rows: string[][], cls = ''): string {
  return `<table class="${cls}"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

async function figure(p: Plot): Promise<string> {
  const svg = await renderSvg(p.spec);
  return `<figure class="plot" id="${esc(p.id)}">${svg}<figcaption>${esc(p.caption)}</figcaption></figure>`;
}

function chainsTable(records: readonly ChainsRecord[]): string {
  const rows: string[][] = [];
  for (const r of records) {
    for (const [name, o] of Object.entries(r.observables)) {
      const ex = r.exact?.[name];
      const dev = r.deviationSigma?.[name];
      rows.push([
        r.label,
        name,
        `${fmt(o.mean, 5)} ± ${fmtErr(o.err)}`,
        ex === undefined ? '' : fmt(ex, 5),
        isNum(dev) ? `${dev >= 0 ? '+' : ''}${dev.toFixed(1)}σ` : '',
        `${fmt(o.tauInt, 2)} ± ${fmtErr(o.tauIntErr)}`,
        fmt(o.ess, 0),
        fmt(o.essPerSecond, 1),
        fmt(o.rhat, 3),
      ]);
    }
  }
  return table(['run', 'observable', 'estimate', 'exact', 'deviation', 'τ_int', 'ESS', 'ESS/s', 'R̂'], rows, 'numbers');
}

function runsTable(records: readonly ChainsRecord[]): string {
  const rows = records.map((r) => [
    r.label,
    `${r.group} ${r.dims}D L=${r.L} β=${r.beta}`,
    String(r.chains),
    String(r.measured),
    fmt(r.acceptance, 3),
    fmt(r.wallSeconds, 1),
    r.interrupted ? 'interrupted' : 'complete',
    Object.entries(r.extra)
      .filter(([, v]) => v !== null && v !== undefined && typeof v !== 'object')
      .map(([k, v]) => `${k} ${isNum(v) ? +v.toPrecision(4) : v}`)
      .join(', '),
  ]);
  return table(['run', 'theory', 'chains', 'measurements', 'acceptance', 'wall s', 'status', 'details'], rows, 'numbers');
}

function trainingTable(records: readonly TrainingRecord[]): string {
  const keys = ['kernel', 'layers', 'params', 'steps', 'trainSeconds', 'ess', 'kl', 'acceptance', 'logZ', 'logZExact', 'workers', 'backend'];
  const rows = records.map((r) => [r.label, ...keys.map((k) => (isNum(r.result[k]) ? String(+(r.result[k] as number).toPrecision(5)) : r.result[k] === undefined || r.result[k] === null ? '—' : String(r.result[k])))]);
  return table(['run', ...keys], rows, 'numbers');
}

function scanTable(points: ScanRecord['points']): string {
  const tau = (p: ScanRecord['points'][number]) => (isNum(p.tauIntQ) ? (isNum(p.tauIntQErr) ? `${fmt(p.tauIntQ, 2)} ± ${fmtErr(p.tauIntQErr)}` : `≥ ${fmt(p.tauIntQ, 2)}`) : 'undefined (Q never changed)');
  const rows = points.map((p) => [p.sampler, String(p.L), String(p.beta), tau(p), p.warning ? 'lower bound: series too short' : '']);
  return table(['sampler', 'L', 'β', 'τ_int(Q)', ''], rows, 'numbers');
}

/** The complete HTML document. */
export async function buildReport(records: readonly RunRecord[], opts: ReportOptions): Promise<string> {
  const training = records.filter((r): r is TrainingRecord => r.kind === 'training');
  const chains = records.filter((r): r is ChainsRecord => r.kind === 'chains');
  const scans = records.filter((r): r is ScanRecord => r.kind === 'scan');
  const parts: string[] = [];
  const title = opts.title ?? 'gaugeflow report';
  parts.push(`<h1>${esc(title)}</h1>`);
  parts.push(
    `<p class="meta">source <code>${esc(opts.source)}</code> · ${records.length} record${records.length === 1 ? '' : 's'} · generated ${esc(new Date().toISOString())} on ${esc(os.hostname())} (${esc(`${os.platform()}-${os.arch()}, ${os.cpus().length} CPUs, node ${process.version}`)})</p>`,
  );

  if (chains.length > 0) {
    parts.push('<h2>Estimates against exact values</h2>');
    parts.push('<p>Errors and τ_int (in measurements) by the Γ-method with the chains as replica; deviation = (estimate − exact)/error; ESS/s per second of sampler time.</p>');
    parts.push(chainsTable(chains));
    parts.push(runsTable(chains));
  }
  if (training.length > 0) {
    parts.push('<h2>Training</h2>');
    parts.push(trainingTable(training));
    for (const p of trainingPlots(training)) parts.push(await figure(p));
  }
  const scanPoints = [...scans.flatMap((s) => s.points), ...(scans.length === 0 ? scanPointsFromChains(chains) : [])];
  const tau = tauVsBetaPlot(scanPoints);
  if (tau || scans.length > 0) {
    parts.push('<h2>Topological freezing: τ_int(Q) against β</h2>');
    if (tau) parts.push(await figure(tau));
    if (scanPoints.length > 0) parts.push(scanTable(scanPoints));
  }
  for (const r of chains) {
    const plots = [historyPlot(r, 'Q'), historyPlot(r, 'plaquette'), autocorrelationPlot(r, 'Q'), autocorrelationPlot(r, 'plaquette'), chargePlot(r)].filter((p): p is Plot => p !== null);
    if (plots.length === 0) continue;
    parts.push(`<h2>${esc(r.label)}</h2>`);
    for (const p of plots) parts.push(await figure(p));
  }
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body { font-family: sans-serif; max-width: 1000px; margin: 2em auto; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 2em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
.meta { color: #666; font-size: 0.9em; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.85em; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 0.25em 0.6em; text-align: left; }
table.numbers td { font-variant-numeric: tabular-nums; }
th { background: #f5f5f5; }
figure.plot { margin: 1.2em 0; }
figure.plot svg { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.85em; max-width: 800px; }
</style>
</head>
<body>
${parts.join('\n')}
</body>
</html>
`;
}
