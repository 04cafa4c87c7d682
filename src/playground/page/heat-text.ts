/**
 * A text drawn on a canvas with each character's background coloured by a value (a hidden unit's
 * activation), wrapped to the canvas's width. It has a cursor and a selection, moved with the
 * mouse (click, drag) or the keyboard (←/→, ↑/↓, Home/End; Shift extends the selection).
 */
import { FONT, diverging, fitCanvas, widthOf } from './draw.ts';

const LINE = 20, PAD = 6;

export interface HeatTextEvents {
  /** The cursor moved to position t. */
  cursor(t: number): void;
  /** The selection is [start, end) (end > start), or empty (start = end). */
  selection(start: number, end: number): void;
}

export class HeatText {
  readonly canvas = document.createElement('canvas');
  private chars: string[] = [];
  /** Colour value in [−1, 1] per character. */
  private values: ArrayLike<number> = [];
  private places: { x: number; y: number }[] = [];
  private charWidth = 8;
  private cursor = 0;
  private anchor = 0;
  private dragging = false;

  constructor(private readonly events: HeatTextEvents, label: string) {
    this.canvas.className = 'heat-text';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'application');
    this.canvas.setAttribute('aria-label', `${label}: ←/→ move, Shift selects, ↑/↓ lines, Home/End`);
    this.canvas.addEventListener('keydown', (e) => this.onKey(e));
    this.canvas.addEventListener('pointerdown', (e) => {
      const t = this.hit(e.offsetX, e.offsetY);
      if (t < 0) return;
      this.dragging = true;
      this.canvas.setPointerCapture(e.pointerId);
      this.moveTo(t, e.shiftKey);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (!this.dragging) return;
      const t = this.hit(e.offsetX, e.offsetY);
      if (t >= 0 && t !== this.cursor) this.moveTo(t, true);
    });
    this.canvas.addEventListener('pointerup', () => { this.dragging = false; });
    new ResizeObserver(() => this.draw()).observe(this.canvas);
  }

  /** Shows a new text (cursor at its start, no selection). */
  setText(chars: string[]): void {
    this.chars = chars;
    this.values = new Float32Array(chars.length);
    this.cursor = this.anchor = 0;
    this.draw();
  }

  setValues(values: ArrayLike<number>): void {
    this.values = values;
    this.draw();
  }

  get position(): number {
    return this.cursor;
  }

  get selected(): [number, number] {
    return [Math.min(this.anchor, this.cursor), Math.max(this.anchor, this.cursor) + (this.anchor === this.cursor ? 0 : 1)];
  }

  private moveTo(t: number, extend: boolean): void {
    this.cursor = Math.max(0, Math.min(this.chars.length - 1, t));
    if (!extend) this.anchor = this.cursor;
    this.draw();
    this.events.cursor(this.cursor);
    this.events.selection(...this.selected);
  }

  private onKey(e: KeyboardEvent): void {
    const columns = Math.max(1, Math.floor((widthOf(this.canvas) - 2 * PAD) / this.charWidth));
    const here = this.places[this.cursor];
    const sameColumn = (dy: number): number => {
      if (!here) return this.cursor;
      let best = this.cursor, bestDistance = Infinity;
      this.places.forEach((p, i) => {
        if (Math.abs(p.y - (here.y + dy)) > 1) return;
        const d = Math.abs(p.x - here.x);
        if (d < bestDistance) [best, bestDistance] = [i, d];
      });
      return best;
    };
    const to: Record<string, number> = {
      ArrowLeft: this.cursor - 1, ArrowRight: this.cursor + 1, ArrowUp: sameColumn(-LINE), ArrowDown: sameColumn(LINE),
      Home: 0, End: this.chars.length - 1, PageUp: this.cursor - columns * 8, PageDown: this.cursor + columns * 8,
    };
    if (!(e.key in to)) return;
    e.preventDefault();
    this.moveTo(to[e.key], e.shiftKey);
  }

  private hit(x: number, y: number): number {
    let best = -1;
    this.places.forEach((p, i) => {
      if (y >= p.y && y < p.y + LINE && x >= p.x && x < p.x + this.charWidth) best = i;
    });
    return best;
  }

  private layout(ctx: CanvasRenderingContext2D, width: number): number {
    ctx.font = FONT;
    this.charWidth = Math.ceil(ctx.measureText('M').width);
    const right = width - PAD - this.charWidth;
    let x = PAD, y = PAD;
    this.places = this.chars.map((ch) => {
      if (x > right) [x, y] = [PAD, y + LINE];
      const place = { x, y };
      if (ch === '\n') [x, y] = [PAD, y + LINE];
      else x += this.charWidth;
      return place;
    });
    return y + LINE + PAD;
  }

  draw(): void {
    const width = widthOf(this.canvas);
    const height = this.layout(fitCanvas(this.canvas, 10), width);
    const ctx = fitCanvas(this.canvas, Math.min(height, 16_000));
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    const [start, end] = this.selected;
    this.chars.forEach((ch, i) => {
      const { x, y } = this.places[i];
      ctx.fillStyle = diverging(this.values[i]);
      ctx.fillRect(x, y, this.charWidth, LINE - 2);
      if (i >= start && i < end) {
        ctx.fillStyle = '#111827';
        ctx.fillRect(x, y + LINE - 3, this.charWidth, 2);
      }
      ctx.fillStyle = ch === '\n' ? '#9ca3af' : '#111827';
      ctx.fillText(ch === '\n' ? '↵' : ch, x, y + LINE / 2 - 1);
    });
    const here = this.places[this.cursor];
    if (here && this.chars.length > 0) {
      ctx.strokeStyle = '#111827';
      ctx.lineWidth = 2;
      ctx.strokeRect(here.x - 1, here.y - 1, this.charWidth + 2, LINE);
    }
  }
}

/** Colour values of a signal for one unit: tanh-range signals as they are, gates (0…1) as 2v − 1, unbounded ones by their largest magnitude. */
export function colourValues(values: Float32Array, T: number, H: number, unit: number, range: 'tanh' | 'gate' | 'unbounded'): Float32Array {
  const out = new Float32Array(T);
  let scale = 1;
  if (range === 'unbounded') {
    scale = 1e-12;
    for (let t = 0; t < T; t++) scale = Math.max(scale, Math.abs(values[t * H + unit]));
  }
  for (let t = 0; t < T; t++) {
    const v = values[t * H + unit];
    out[t] = range === 'gate' ? 2 * v - 1 : v / scale;
  }
  return out;
}
