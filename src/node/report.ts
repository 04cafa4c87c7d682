/** A self-contained HTML training report: loss and validation-bpc curves drawn as inline SVG. */
import { writeFileSync, renameSync } from 'node:fs';
import type { HistoryPoint } from '../models/trainer.ts';

const WIDTH = 640, HEIGHT = 260, PAD = 44;

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** An SVG line chart of (x, y) series with axes labelled by their extremes. */
function chart(title: string, series: { name: string; color: string; points: [number, number][] }[]): string {
  const all = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (all.length === 0) return `<h2>${escape(title)}</h2><p>No data yet.</p>`;
  const xs = all.map(([x]) => x), ys = all.map(([, y]) => y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs, Math.min(...xs) + 1)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys, Math.min(...ys) + 1e-9)];
  const sx = (x: number): number => PAD + ((x - x0) / (x1 - x0)) * (WIDTH - 2 * PAD);
  const sy = (y: number): number => HEIGHT - PAD - ((y - y0) / (y1 - y0)) * (HEIGHT - 2 * PAD);
  const lines = series.map((s) => {
    const pts = s.points.filter(([, y]) => Number.isFinite(y)).map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`);
    const dots = s.points.length < 60 ? pts.map((p) => `<circle cx="${p.split(',')[0]}" cy="${p.split(',')[1]}" r="2.5" fill="${s.color}"/>`).join('') : '';
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${pts.join(' ')}"/>${dots}`;
  });
  const legend = series.map((s, i) => `<text x="${WIDTH - PAD - 150}" y="${PAD + 14 * i}" fill="${s.color}" font-size="12">— ${escape(s.name)}</text>`);
  return `<h2>${escape(title)}</h2>
<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="sans-serif">
<rect x="${PAD}" y="${PAD}" width="${WIDTH - 2 * PAD}" height="${HEIGHT - 2 * PAD}" fill="none" stroke="#ccc"/>
<text x="${PAD}" y="${HEIGHT - PAD + 16}" font-size="11">${x0}</text>
<text x="${WIDTH - PAD}" y="${HEIGHT - PAD + 16}" font-size="11" text-anchor="end">step ${x1}</text>
<text x="${PAD - 4}" y="${HEIGHT - PAD}" font-size="11" text-anchor="end">${y0.toFixed(3)}</text>
<text x="${PAD - 4}" y="${PAD + 4}" font-size="11" text-anchor="end">${y1.toFixed(3)}</text>
${lines.join('\n')}${legend.join('')}
</svg>`;
}

/** Mean of each run of `every` consecutive points, to make a noisy loss curve readable. */
function smooth(points: [number, number][], every: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < points.length; i += every) {
    const chunk = points.slice(i, i + every);
    out.push([chunk[chunk.length - 1][0], chunk.reduce((s, [, y]) => s + y, 0) / chunk.length]);
  }
  return out;
}

export function renderReport(title: string, summary: Record<string, string | number>, history: readonly HistoryPoint[], samples: readonly string[]): string {
  const loss = history.filter((p) => Number.isFinite(p.loss)).map((p): [number, number] => [p.step, p.loss / Math.LN2]);
  const val = history.filter((p) => p.valBpc !== undefined).map((p): [number, number] => [p.step, p.valBpc!]);
  const rows = Object.entries(summary).map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(String(v))}</td></tr>`).join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title>
<style>body{font-family:sans-serif;max-width:760px;margin:2em auto;color:#222}th{text-align:left;padding-right:1em}pre{background:#f6f6f6;padding:1em;white-space:pre-wrap}</style>
</head><body><h1>${escape(title)}</h1><table>${rows}</table>
${chart('Bits per character', [
    { name: 'train (smoothed)', color: '#1f77b4', points: smooth(loss, Math.max(1, Math.floor(loss.length / 200))) },
    { name: 'validation', color: '#d62728', points: val },
  ])}
<h2>Samples</h2>${samples.map((s) => `<pre>${escape(s)}</pre>`).join('')}
</body></html>`;
}

export function writeReport(path: string, html: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, html);
  renameSync(tmp, path);
}
