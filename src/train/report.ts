/**
 * The report page of a training run, as one self-contained HTML string (charts as inline SVG):
 * a summary table, the training-loss curve, the dev metric at each evaluation with the best one
 * marked, the latest previews, and the sections a task adds (tables, heat maps such as a
 * confusion matrix or attention weights, text). Portable: writing the file is the caller's job.
 */
import type { MetricSpec, ReportSection } from './task.ts';
import type { LossPoint } from './loss-curve.ts';

export interface ReportData {
  title: string;
  summary: Record<string, string | number>;
  metric: MetricSpec;
  itemName: string;
  losses: readonly LossPoint[];
  evaluations: readonly { step: number; metrics: Record<string, number> }[];
  best: { step: number; value: number } | null;
  previews: readonly { step: number; text: string }[];
  sections: readonly ReportSection[];
}

const WIDTH = 640, HEIGHT = 260, PAD = 48;

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e6 ? x.toFixed(4) : x.toPrecision(4);
}

interface Series {
  name: string;
  color: string;
  points: [number, number][];
  /** A point to ring (the best evaluation). */
  mark?: [number, number];
}

/** An SVG line chart of (step, value) series with axes labelled by their extremes. */
function chart(title: string, series: Series[]): string {
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (all.length === 0) return `<h2>${escape(title)}</h2><p>No data yet.</p>`;
  const xs = all.map(([x]) => x), ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys, Math.min(...ys) + 1e-9)];
  const sx = (x: number): number => PAD + ((x - x0) / (x1 - x0)) * (WIDTH - 2 * PAD);
  const sy = (y: number): number => HEIGHT - PAD - ((y - y0) / (y1 - y0)) * (HEIGHT - 2 * PAD);
  const lines = series.map((s) => {
    const pts = s.points.filter(([, y]) => Number.isFinite(y)).map(([x, y]): [number, number] => [sx(x), sy(y)]);
    const dots = pts.length < 60 ? pts.map(([x, y]) => `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="2.5" fill="${s.color}"/>`).join('') : '';
    const mark = s.mark ? `<circle cx="${sx(s.mark[0]).toFixed(1)}" cy="${sy(s.mark[1]).toFixed(1)}" r="6" fill="none" stroke="${s.color}" stroke-width="2"/>` : '';
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>${dots}${mark}`;
  });
  const legend = series.map((s, i) => `<text x="${WIDTH - PAD - 180}" y="${PAD - 20 + 14 * i}" fill="${s.color}" font-size="12">— ${escape(s.name)}</text>`);
  return `<h2>${escape(title)}</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif">
<rect x="${PAD}" y="${PAD}" width="${WIDTH - 2 * PAD}" height="${HEIGHT - 2 * PAD}" fill="none" stroke="#ccc"/>
<text x="${PAD}" y="${HEIGHT - PAD + 16}" font-size="11">${x0}</text>
<text x="${WIDTH - PAD}" y="${HEIGHT - PAD + 16}" font-size="11" text-anchor="end">step ${x1}</text>
<text x="${PAD - 4}" y="${HEIGHT - PAD}" font-size="11" text-anchor="end">${formatNumber(y0)}</text>
<text x="${PAD - 4}" y="${PAD + 4}" font-size="11" text-anchor="end">${formatNumber(y1)}</text>
${lines.join('\n')}${legend.join('')}
</svg>`;
}

function table(columns: string[], rows: (string | number)[][]): string {
  const cell = (v: string | number): string => escape(typeof v === 'number' ? formatNumber(v) : v);
  return `<table class="grid"><tr>${columns.map((c) => `<th>${escape(c)}</th>`).join('')}</tr>` +
    rows.map((r) => `<tr>${r.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('') + '</table>';
}

function heatMap(s: Extract<ReportSection, { kind: 'matrix' }>): string {
  const flat = s.values.flat().filter(Number.isFinite);
  const lo = Math.min(...flat, 0), hi = Math.max(...flat, lo + 1e-12);
  const shade = (v: number): string => {
    const t = (v - lo) / (hi - lo);
    return `background:rgba(31,119,180,${t.toFixed(3)});color:${t > 0.6 ? '#fff' : '#222'}`;
  };
  const head = `<tr><th>${escape(s.rowTitle ?? '')}${s.columnTitle ? ` \\ ${escape(s.columnTitle)}` : ''}</th>${s.columnLabels.map((c) => `<th>${escape(c)}</th>`).join('')}</tr>`;
  const body = s.values.map((row, r) =>
    `<tr><th>${escape(s.rowLabels[r] ?? '')}</th>${row.map((v) => `<td style="${shade(v)}">${formatNumber(v)}</td>`).join('')}</tr>`).join('');
  return `<table class="grid">${head}${body}</table>`;
}

function section(s: ReportSection): string {
  const body = s.kind === 'text' ? `<pre>${escape(s.text)}</pre>` : s.kind === 'table' ? table(s.columns, s.rows) : heatMap(s);
  return `<h2>${escape(s.title)}</h2>${body}`;
}

export function renderReport(data: ReportData): string {
  const rows = Object.entries(data.summary).map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(String(v))}</td></tr>`).join('');
  const { metric } = data;
  const metricPoints = data.evaluations.map((e): [number, number] => [e.step, e.metrics[metric.name]]);
  const best = data.best ? ([data.best.step, data.best.value] as [number, number]) : undefined;
  const previews = data.previews.length === 0 ? '' :
    `<h2>Previews</h2>${data.previews.map((p) => `<p>step ${p.step}</p><pre>${escape(p.text)}</pre>`).join('')}`;
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(data.title)}</title>
<style>body{font-family:sans-serif;max-width:800px;margin:2em auto;color:#222}th{text-align:left;padding-right:1em}
pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}table.grid{border-collapse:collapse}
table.grid td,table.grid th{border:1px solid #ddd;padding:2px 6px;text-align:right}</style>
</head><body><h1>${escape(data.title)}</h1><table>${rows}</table>
${chart('Training loss (nats per item, mean per point)', [{ name: 'training loss', color: '#1f77b4', points: data.losses.map((p) => [p.step, p.loss]) }])}
${chart(`${metric.description} (${metric.goal === 'min' ? 'lower' : 'higher'} is better)`, [{ name: metric.name, color: '#d62728', points: metricPoints, mark: best }])}
${data.sections.map(section).join('\n')}
${previews}
</body></html>`;
}
