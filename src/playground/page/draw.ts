/**
 * Drawing on the playground's canvases: sizing to the element at the screen's pixel ratio, a
 * diverging colour scale, and the charts the views share (a line chart, horizontal bars, a
 * labelled heat matrix).
 */

export const FONT = '13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace';
export const LABEL_FONT = '12px system-ui, sans-serif';
const INK = '#1d2430', MUTED = '#6b7280', GRID = '#e5e7eb';

/** Makes the canvas's backing store match its CSS width (and `height` CSS pixels) at the device pixel ratio; returns a context in CSS pixels. */
export function fitCanvas(canvas: HTMLCanvasElement, height: number): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(1, canvas.clientWidth);
  canvas.style.height = `${height}px`;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

/** CSS width of a canvas. */
export const widthOf = (canvas: HTMLCanvasElement): number => Math.max(1, canvas.clientWidth);

/** Blue (−1) → white (0) → red (+1), clamped; as in Karpathy et al.'s figures. */
export function diverging(v: number): string {
  const x = Math.max(-1, Math.min(1, Number.isFinite(v) ? v : 0));
  const t = Math.abs(x);
  const [r, g, b] = x >= 0 ? [214, 39, 40] : [31, 119, 180];
  const mix = (c: number): number => Math.round(255 + (c - 255) * t);
  return `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`;
}

/** White (0) → dark blue (1), clamped: probabilities and attention weights. */
export function sequential(v: number): string {
  const t = Math.max(0, Math.min(1, Number.isFinite(v) ? v : 0));
  const mix = (from: number, to: number): number => Math.round(from + (to - from) * t);
  return `rgb(${mix(255, 8)}, ${mix(255, 48)}, ${mix(255, 107)})`;
}

/** A short, visible form of a character or token: newline ↵, tab ⇥, space ␣. */
export function visible(token: string): string {
  return token === '\n' ? '↵' : token === '\t' ? '⇥' : token === ' ' ? '␣' : token;
}

export interface Series {
  points: readonly { x: number; y: number }[];
  color: string;
  label: string;
}

/** Lines over shared axes, with the y range of all series and a legend. */
export function lineChart(canvas: HTMLCanvasElement, height: number, series: readonly Series[], axis: { x: string; y: string }): void {
  const ctx = fitCanvas(canvas, height);
  const width = widthOf(canvas);
  const pad = { left: 44, right: 12, top: 18, bottom: 28 };
  const all = series.flatMap((s) => s.points).filter((p) => Number.isFinite(p.y));
  ctx.font = LABEL_FONT;
  ctx.fillStyle = MUTED;
  if (all.length === 0) {
    ctx.fillText('no data yet', pad.left, height / 2);
    return;
  }
  const xMin = Math.min(...all.map((p) => p.x)), xMax = Math.max(...all.map((p) => p.x), xMin + 1);
  let yMin = Math.min(...all.map((p) => p.y)), yMax = Math.max(...all.map((p) => p.y));
  if (yMax - yMin < 1e-6) [yMin, yMax] = [yMin - 0.5, yMax + 0.5];
  const X = (x: number): number => pad.left + ((x - xMin) / (xMax - xMin)) * (width - pad.left - pad.right);
  const Y = (y: number): number => pad.top + (1 - (y - yMin) / (yMax - yMin)) * (height - pad.top - pad.bottom);
  ctx.strokeStyle = GRID;
  ctx.lineWidth = 1;
  for (let k = 0; k <= 4; k++) {
    const y = yMin + ((yMax - yMin) * k) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.left, Y(y));
    ctx.lineTo(width - pad.right, Y(y));
    ctx.stroke();
    ctx.fillText(y.toFixed(2), 4, Y(y) + 4);
  }
  ctx.fillText(`${axis.x} ${xMin}–${xMax}`, pad.left, height - 8);
  let legendX = pad.left;
  for (const s of series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    s.points.forEach((p, i) => (i === 0 ? ctx.moveTo(X(p.x), Y(p.y)) : ctx.lineTo(X(p.x), Y(p.y))));
    if (s.points.length === 1) ctx.arc(X(s.points[0].x), Y(s.points[0].y), 2, 0, 2 * Math.PI);
    ctx.stroke();
    ctx.fillStyle = s.color;
    ctx.fillRect(legendX, 4, 10, 10);
    ctx.fillStyle = INK;
    ctx.fillText(s.label, legendX + 14, 13);
    legendX += ctx.measureText(s.label).width + 30;
  }
  ctx.fillStyle = MUTED;
  ctx.fillText(axis.y, width - pad.right - ctx.measureText(axis.y).width, height - 8);
}

/** Horizontal bars (lengths relative to the largest): label, bar, value; `highlight` marks one label in red. */
export function barChart(canvas: HTMLCanvasElement, bars: readonly { label: string; value: number }[], highlight?: string): void {
  const row = 20;
  const ctx = fitCanvas(canvas, Math.max(row, bars.length * row + 4));
  const width = widthOf(canvas);
  const labelWidth = 56, valueWidth = 52;
  const barSpace = Math.max(10, width - labelWidth - valueWidth);
  const largest = Math.max(1e-12, ...bars.map((b) => b.value));
  ctx.font = FONT;
  bars.forEach((bar, i) => {
    const y = 2 + i * row;
    ctx.fillStyle = bar.label === highlight ? '#d62728' : '#1f77b4';
    ctx.fillRect(labelWidth, y + 3, Math.max(1, (bar.value / largest) * barSpace), row - 6);
    ctx.fillStyle = INK;
    ctx.fillText(visible(bar.label), 6, y + 14);
    ctx.fillText(bar.value.toFixed(3), labelWidth + barSpace + 4, y + 14);
  });
}

export interface Matrix {
  /** values[r * columns + c]. */
  values: ArrayLike<number>;
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  /** Maps a value to a colour (default: sequential over [0, 1]). */
  color?: (v: number) => string;
}

/** A heat matrix with row labels on the left and column labels on top (rotated); cells fit the width. */
export function heatMatrix(canvas: HTMLCanvasElement, m: Matrix): void {
  const { values, rowLabels, columnLabels, color = sequential } = m;
  const measure = fitCanvas(canvas, 10);
  measure.font = FONT;
  const left = Math.min(160, 10 + Math.max(0, ...rowLabels.map((l) => measure.measureText(visible(l)).width)));
  const top = Math.min(120, 10 + Math.max(0, ...columnLabels.map((l) => measure.measureText(visible(l)).width)));
  const width = widthOf(canvas);
  const cell = Math.max(8, Math.min(36, Math.floor((width - left - 4) / Math.max(1, columnLabels.length))));
  const ctx = fitCanvas(canvas, top + cell * rowLabels.length + 4);
  ctx.font = FONT;
  const C = columnLabels.length;
  for (let r = 0; r < rowLabels.length; r++) {
    for (let c = 0; c < C; c++) {
      ctx.fillStyle = color(values[r * C + c]);
      ctx.fillRect(left + c * cell, top + r * cell, cell - 1, cell - 1);
    }
    ctx.fillStyle = INK;
    ctx.fillText(visible(rowLabels[r]), 4, top + r * cell + cell / 2 + 4, left - 8);
  }
  columnLabels.forEach((label, c) => {
    ctx.save();
    ctx.translate(left + c * cell + cell / 2 + 4, top - 4);
    ctx.rotate(-Math.PI / 2);
    ctx.fillStyle = INK;
    ctx.fillText(visible(label), 0, 0, top - 8);
    ctx.restore();
  });
}

export interface ScatterPoint {
  x: number;
  y: number;
  label: string;
  /** Drawn on top, in red, with its label always shown. */
  highlight?: boolean;
}

/**
 * Points scaled to the canvas, labelled where a label does not overlap one already drawn
 * (highlighted points first); `arrows` join points by index.
 */
export function scatter(canvas: HTMLCanvasElement, height: number, points: readonly ScatterPoint[], arrows: readonly [number, number][] = []): void {
  const ctx = fitCanvas(canvas, height);
  const width = widthOf(canvas);
  if (points.length === 0) return;
  const pad = 24;
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const X = (x: number): number => pad + ((x - x0) / (x1 - x0 || 1)) * (width - 2 * pad);
  const Y = (y: number): number => height - pad - ((y - y0) / (y1 - y0 || 1)) * (height - 2 * pad);
  ctx.font = LABEL_FONT;
  const taken: [number, number, number, number][] = [];
  const free = (r: [number, number, number, number]): boolean => taken.every((t) => r[0] > t[2] || r[2] < t[0] || r[1] > t[3] || r[3] < t[1]);
  const order = points.map((_, i) => i).sort((a, b) => Number(points[b].highlight ?? false) - Number(points[a].highlight ?? false));
  for (const i of [...order].reverse()) {
    const p = points[i];
    ctx.fillStyle = p.highlight ? '#d62728' : 'rgba(31, 119, 180, 0.55)';
    ctx.beginPath();
    ctx.arc(X(p.x), Y(p.y), p.highlight ? 4 : 2.5, 0, 2 * Math.PI);
    ctx.fill();
  }
  ctx.strokeStyle = '#d62728';
  ctx.lineWidth = 1.5;
  for (const [from, to] of arrows) {
    const [ax, ay, bx, by] = [X(points[from].x), Y(points[from].y), X(points[to].x), Y(points[to].y)];
    const angle = Math.atan2(by - ay, bx - ax);
    ctx.beginPath();
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    ctx.lineTo(bx - 8 * Math.cos(angle - 0.4), by - 8 * Math.sin(angle - 0.4));
    ctx.moveTo(bx, by);
    ctx.lineTo(bx - 8 * Math.cos(angle + 0.4), by - 8 * Math.sin(angle + 0.4));
    ctx.stroke();
  }
  for (const i of order) {
    const p = points[i];
    ctx.font = p.highlight ? `bold ${LABEL_FONT}` : LABEL_FONT;
    const w = ctx.measureText(p.label).width, px = X(p.x), py = Y(p.y);
    // right of the point, left of it, above, below: the first place inside the canvas and free
    const places: [number, number, number, number][] = [[px + 5, py - 12, px + 5 + w, py + 2], [px - 5 - w, py - 12, px - 5, py + 2],
      [px - w / 2, py - 18, px + w / 2, py - 5], [px - w / 2, py + 5, px + w / 2, py + 18]].filter((b) => b[0] >= 0 && b[2] <= width) as [number, number, number, number][];
    const box = places.find(free) ?? (p.highlight ? places[0] : undefined);
    if (!box) continue;
    taken.push(box);
    ctx.fillStyle = p.highlight ? '#a3161b' : '#374151';
    ctx.fillText(p.label, box[0], box[3] - 3);
  }
}
