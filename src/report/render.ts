/**
 * Vega-Lite → SVG in Node: compile the Vega-Lite spec to Vega, run a headless Vega view (renderer
 * 'none', no canvas needed) and serialise its scene graph to an SVG string. Fonts are the generic
 * sans-serif family, so the SVG looks the same offline in any browser.
 */
import type { TopLevelSpec } from 'vega-lite';

// Imported on first use, and dynamically: vega is ESM-only with top-level await, which a CommonJS
// loader (uvu's `-r tsx`) cannot require.
let libs: Promise<[typeof import('vega'), typeof import('vega-lite')]> | null = null;
const load = () => (libs ??= Promise.all([import('vega'), import('vega-lite')]));

const config = {
  font: 'sans-serif',
  background: 'white',
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 13, anchor: 'start' as const },
};

/** Render one Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const full = { ...spec, config: { ...config, ...(spec.config ?? {}) } } as TopLevelSpec;
  const [vega, vl] = await load();
  const vg = vl.compile(full).spec;
  const view = new vega.View(vega.parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
