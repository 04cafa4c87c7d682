/**
 * The views of the sequence-task models: type a text and see
 * - a classifier's label probabilities after each token it reads (rows: the prefixes),
 * - a tagger's tag for each token, over each token's tag probabilities,
 * - a seq2seq model's output (beam 5) and its attention over the source (rows: output tokens).
 * Each draws a heat matrix (white 0 → dark blue 1).
 */
import type { ModelSummary, ReadingReply, TagReply, TranslateReply } from '../protocol.ts';
import type { WorkerClient } from './client.ts';
import { button, clearError, el, labelled, showError, statusLine } from './dom.ts';
import { heatMatrix } from './draw.ts';
import type { ModelView } from './views.ts';

interface Shown {
  /** One line for the status: the answer. */
  answer: string;
  rows: string[];
  columns: string[];
  values: Float32Array;
}

/** What each kind asks the worker and how its reply is shown. */
const KINDS: Record<string, { request: 'classify' | 'tag' | 'translate'; example: string; explain: string; show(reply: unknown): Shown }> = {
  classifier: {
    request: 'classify', example: 'Maria',
    explain: 'Label probabilities after each token the classifier has read (last row: its prediction).',
    show(reply) {
      const r = reply as ReadingReply;
      const C = r.labels.length, last = r.probs.subarray((r.tokens.length - 1) * C);
      const best = last.indexOf(Math.max(...last));
      return { answer: `${r.labels[best]} (${(100 * last[best]).toFixed(1)} %)`, rows: r.tokens.map((_, k) => r.tokens.slice(0, k + 1).join('').slice(-16)), columns: r.labels, values: r.probs };
    },
  },
  tagger: {
    request: 'tag', example: 'The old man and the sea .',
    explain: 'Each token’s tag probabilities from the tagger’s scores; the answer line gives the tags it chose.',
    show(reply) {
      const r = reply as TagReply;
      return { answer: r.tokens.map((t, k) => `${t}/${r.predicted[k]}`).join(' '), rows: r.tokens, columns: r.labels, values: r.probs };
    },
  },
  seq2seq: {
    request: 'translate', example: 'hello',
    explain: 'Attention of each output token (rows) over the source tokens (columns), beam search of width 5.',
    show(reply) {
      const r = reply as TranslateReply;
      const words = r.output.filter((t) => t !== '</s>');
      return { answer: words.length > 0 ? words.join(' ') : '(nothing before </s>)', rows: r.output, columns: r.source, values: r.attention };
    },
  },
};

export function sequenceView(client: WorkerClient, summary: ModelSummary): ModelView {
  const kind = KINDS[summary.kind];
  const input = el('input', { type: 'text', value: kind.example, spellcheck: false });
  const status = statusLine();
  const matrix = el('canvas', { className: 'matrix', attrs: { role: 'img', 'aria-label': kind.explain } });
  let shown: Shown | null = null;

  async function run(): Promise<void> {
    clearError(status);
    try {
      shown = kind.show(await client.request({ type: kind.request, model: summary.id, text: input.value }));
      status.textContent = shown.answer;
      paint();
    } catch (e) {
      showError(status, e);
    }
  }

  function paint(): void {
    if (shown) heatMatrix(matrix, { values: shown.values, rowLabels: shown.rows, columnLabels: shown.columns });
  }

  input.addEventListener('keydown', (e) => { if (e.key === 'Enter') void run(); });
  new ResizeObserver(() => paint()).observe(matrix);
  const panel = el('section', { className: `sequence ${summary.kind}` },
    el('h2', { textContent: summary.title }),
    el('p', { className: 'details', textContent: summary.details }),
    el('div', { className: 'row' }, labelled('Input', input), button('Run', () => void run())),
    status,
    el('p', { className: 'legend', textContent: kind.explain }),
    matrix);
  let started = false;
  return {
    panel,
    onShow() {
      if (started) return;
      started = true;
      void run();
    },
  };
}
