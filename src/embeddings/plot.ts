/** A labelled 2-D scatter plot of words (panels side by side) as SVG or as an HTML page. */
import type { Points2D } from './projection.ts';

export interface PlotPanel {
  title: string;
  points: Points2D;
}

const PANEL = 560, MARGIN = 40;

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A labelled scatter plot of each panel, side by side, as a standalone SVG document. */
export function plotSvg(words: readonly string[], panels: readonly PlotPanel[], title: string): string {
  const width = panels.length * PANEL, height = PANEL + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15">${escapeXml(title)}</text>`,
  ];
  panels.forEach(({ title: panelTitle, points }, p) => {
    const xs = words.map((_, i) => points[2 * i]), ys = words.map((_, i) => points[2 * i + 1]);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const sx = (x: number) => p * PANEL + MARGIN + ((x - x0) / (x1 - x0 || 1)) * (PANEL - 2 * MARGIN);
    const sy = (y: number) => 30 + PANEL - MARGIN - ((y - y0) / (y1 - y0 || 1)) * (PANEL - 2 * MARGIN);
    parts.push(`<g class="panel"><rect x="${p * PANEL + 8}" y="34" width="${PANEL - 16}" height="${PANEL - 12}" fill="none" stroke="#ccc"/>`);
    parts.push(`<text x="${p * PANEL + PANEL / 2}" y="52" text-anchor="middle" font-size="13" fill="#444">${escapeXml(panelTitle)}</text>`);
    words.forEach((word, i) => {
      const x = sx(xs[i]).toFixed(1), y = sy(ys[i]).toFixed(1);
      parts.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="#1f77b4"/><text x="${x}" y="${y}" dx="4" dy="-3" font-size="11">${escapeXml(word)}</text>`);
    });
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** The same plot in an HTML page. */
export function plotHtml(words: readonly string[], panels: readonly PlotPanel[], title: string): string {
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeXml(title)}</title></head>\n<body style="margin:0">\n${plotSvg(words, panels, title)}\n</body></html>\n`;
}
