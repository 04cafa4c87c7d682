/**
 * The view of word vectors: the most frequent words as a 2-D map (PCA or t-SNE), the nearest words
 * to a search, and analogies (a is to b as c is to ?), highlighted on the map.
 */
import type { MapReply, ModelSummary, SimilarReply } from '../protocol.ts';
import type { WorkerClient } from './client.ts';
import { button, clearError, el, labelled, select, showError, statusLine } from './dom.ts';
import { scatter, type ScatterPoint } from './draw.ts';
import type { ModelView } from './views.ts';

const MAP_HEIGHT = 520, RESULTS = 10;

export function vectorsView(client: WorkerClient, summary: ModelSummary): ModelView {
  const model = summary.id;
  const facts = summary.facts as { size: number; first: string[] };
  const count = select(['100', '300', '1000', '2000'].filter((n) => Number(n) <= Math.max(100, facts.size)), facts.size >= 300 ? '300' : '100');
  const method = select([['pca', 'PCA (principal components)'], ['tsne', 't-SNE (slower)']], 'pca');
  const status = statusLine();
  const map = el('canvas', { className: 'map', attrs: { role: 'img', 'aria-label': 'Map of the words' } });
  const query = el('input', { type: 'text', value: facts.first.find((w) => /^\p{L}{3,}$/u.test(w)) ?? facts.first[0] ?? '' });
  const [a, b, c] = ['man', 'king', 'woman'].map((w) => el('input', { type: 'text', value: w }));
  const results = el('ol', { className: 'results', attrs: { 'aria-live': 'polite' } });
  let drawn: MapReply | null = null;
  /** Words to highlight, and arrows between them. */
  let highlighted: string[] = [];
  let arrows: [string, string][] = [];

  async function drawMap(): Promise<void> {
    clearError(status);
    status.textContent = method.value === 'tsne' ? 'running t-SNE…' : 'projecting…';
    try {
      drawn = await client.request<MapReply>({ type: 'vectors-map', model, count: Number(count.value), method: method.value as 'pca' | 'tsne', extra: highlighted });
      status.textContent = `${drawn.words.length} words`;
      paint();
    } catch (e) {
      showError(status, e);
    }
  }

  function paint(): void {
    if (!drawn) return;
    const { words, points } = drawn;
    const marked = new Set(highlighted);
    const items: ScatterPoint[] = words.map((label, i) => ({ x: points[2 * i], y: points[2 * i + 1], label, highlight: marked.has(label) }));
    const index = new Map(words.map((w, i) => [w, i]));
    const joined = arrows.filter(([f, t]) => index.has(f) && index.has(t)).map(([f, t]) => [index.get(f)!, index.get(t)!] as [number, number]);
    scatter(map, MAP_HEIGHT, items, joined);
    const shown = highlighted.filter((w) => index.has(w));
    map.setAttribute('aria-label', `Map of ${words.length} words${shown.length > 0 ? `; highlighted: ${shown.join(', ')}` : ''}`);
  }

  /** Lists `found`, highlights the words on the map (re-projected with them for PCA). */
  async function show(found: SimilarReply, words: string[], pairs: [string, string][]): Promise<void> {
    results.replaceChildren(...found.words.map((w) => el('li', {}, `${w.word} `, el('span', { className: 'similarity', textContent: w.similarity.toFixed(3) }))));
    highlighted = [...words, ...found.words.map((w) => w.word)];
    arrows = pairs;
    if (method.value === 'pca') await drawMap();
    else paint();
  }

  async function nearest(): Promise<void> {
    clearError(status);
    try {
      const found = await client.request<SimilarReply>({ type: 'vectors-similar', model, word: query.value.trim(), count: RESULTS });
      await show(found, [query.value.trim()], []);
    } catch (e) {
      showError(status, e);
    }
  }

  async function analogy(): Promise<void> {
    clearError(status);
    const [wa, wb, wc] = [a, b, c].map((x) => x.value.trim());
    try {
      const found = await client.request<SimilarReply>({ type: 'vectors-analogy', model, a: wa, b: wb, c: wc, count: RESULTS });
      await show(found, [wa, wb, wc], found.words.length > 0 ? [[wa, wb], [wc, found.words[0].word]] : []);
    } catch (e) {
      showError(status, e);
    }
  }

  const onEnter = (input: HTMLInputElement, action: () => Promise<void>): void => input.addEventListener('keydown', (e) => { if (e.key === 'Enter') void action(); });
  onEnter(query, nearest);
  for (const x of [a, b, c]) onEnter(x, analogy);
  count.addEventListener('change', () => void drawMap());
  method.addEventListener('change', () => void drawMap());
  new ResizeObserver(() => paint()).observe(map);

  const panel = el('section', { className: 'vectors' },
    el('h2', { textContent: summary.title }),
    el('p', { className: 'details', textContent: summary.details }),
    el('div', { className: 'row' }, labelled('Words on the map', count), labelled('Projection', method)),
    status,
    el('div', { className: 'columns wide-left' },
      map,
      el('div', {},
        el('h3', { textContent: 'Nearest words' }),
        el('div', { className: 'row' }, labelled('Word', query), button('Search', () => void nearest())),
        el('h3', { textContent: 'Analogy' }),
        el('div', { className: 'row' }, labelled('a', a), el('span', { textContent: 'is to' }), labelled('b', b)),
        el('div', { className: 'row' }, el('span', { textContent: 'as' }), labelled('c', c), el('span', { textContent: 'is to ?' }), button('Solve', () => void analogy())),
        results)));

  let shown = false;
  return {
    panel,
    onShow() {
      if (shown) return;
      shown = true;
      void drawMap();
    },
  };
}
