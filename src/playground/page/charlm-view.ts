/**
 * The view of a character language model: a text coloured by one hidden unit or gate, the
 * units that fire most on a selection, the next-character distribution at the cursor, and
 * samples.
 */
import type { ModelSummary, TraceReply, TraceSignalReply, UnitsReply } from '../protocol.ts';
import type { WorkerClient } from './client.ts';
import { button, clearError, el, labelled, numberInput, select, showError, statusLine } from './dom.ts';
import { barChart, visible } from './draw.ts';
import { HeatText, colourValues } from './heat-text.ts';
import type { ModelView } from './views.ts';

/** Signals whose values lie in (0, 1) (sigmoid gates) or (−1, 1) (tanh); others are scaled by their largest magnitude. */
const GATES = new Set(['i', 'f', 'o', 'r', 'z']);
const TANH = new Set(['g', 'n']);
const SIGNAL_NAMES: Record<string, string> = {
  h: 'hidden state h', c: 'cell state c', i: 'input gate i', f: 'forget gate f', g: 'candidate g', o: 'output gate o',
  r: 'reset gate r', z: 'update gate z', n: 'candidate n',
};
const TOP_CHARS = 10;

export function charLMView(client: WorkerClient, summary: ModelSummary, defaultText: () => string): ModelView {
  const facts = summary.facts as { numLayers: number; hiddenSize: number; signals: string[]; mode: string };
  const model = summary.id;
  const input = el('textarea', { rows: 5, spellcheck: false, attrs: { 'aria-label': 'Text to inspect' } });
  const layer = select(Array.from({ length: facts.numLayers }, (_, l) => [String(l), `layer ${l + 1}`] as [string, string]), String(facts.numLayers - 1));
  const signal = select(facts.signals.map((s) => [s, SIGNAL_NAMES[s] ?? s] as [string, string]), facts.signals[0]);
  const unit = numberInput(0, 0, facts.hiddenSize - 1);
  const status = statusLine();
  const cursorInfo = el('p', { className: 'cursor-info', attrs: { 'aria-live': 'polite' } });
  const nextChart = el('canvas', { className: 'bars', attrs: { role: 'img', 'aria-label': 'Next-character distribution' } });
  const unitsList = el('ol', { className: 'units' });
  const selectionInfo = el('p', { textContent: 'Select part of the text (drag, or Shift+arrows) to find the units that fire on it.' });
  let trace: TraceReply | null = null;
  let values: Float32Array | null = null;
  let selection: [number, number] = [0, 0];

  const heat = new HeatText({
    cursor: () => showCursor(),
    selection: (start, end) => {
      selection = [start, end];
      findUnits.disabled = end <= start;
      selectionInfo.textContent = end > start
        ? `Selected ${end - start} characters (${start}–${end - 1}): “${trace!.chars.slice(start, Math.min(end, start + 40)).join('')}${end - start > 40 ? '…' : ''}”`
        : 'Select part of the text (drag, or Shift+arrows) to find the units that fire on it.';
    },
  }, 'Text coloured by the chosen unit');
  const findUnits = button('Find units that fire here', () => void units(), { disabled: true });

  async function inspect(): Promise<void> {
    clearError(status);
    status.textContent = 'running the model over the text…';
    try {
      trace = await client.request<TraceReply>({ type: 'trace', model, text: input.value });
      heat.setText(trace.chars);
      unitsList.replaceChildren();
      status.textContent = `${trace.chars.length} characters`;
      await showSignal();
      showCursor();
    } catch (e) {
      showError(status, e);
    }
  }

  async function showSignal(): Promise<void> {
    if (!trace) return;
    const reply = await client.request<TraceSignalReply>({ type: 'trace-signal', model, layer: Number(layer.value), signal: signal.value });
    values = reply.values;
    colour();
  }

  function colour(): void {
    if (!trace || !values) return;
    const H = trace.hiddenSize, u = Math.max(0, Math.min(H - 1, unit.valueAsNumber || 0));
    const range = GATES.has(signal.value) ? 'gate' : TANH.has(signal.value) || (signal.value === 'h' && facts.mode !== 'RNN_RELU') ? 'tanh' : 'unbounded';
    heat.setValues(colourValues(values, trace.chars.length, H, u, range));
    legend.textContent = range === 'gate'
      ? 'blue: 0 · white: 0.5 · red: 1'
      : range === 'tanh' ? 'blue: −1 · white: 0 · red: +1' : 'blue: most negative · white: 0 · red: most positive (of this unit over the text)';
    showCursor();
  }

  function showCursor(): void {
    if (!trace) return;
    const t = heat.position, V = trace.tokens.length;
    const row = trace.probs.subarray(t * V, (t + 1) * V);
    const order = Array.from(row.keys()).sort((a, b) => row[b] - row[a]).slice(0, TOP_CHARS);
    const next = trace.chars[t + 1];
    barChart(nextChart, order.map((id) => ({ label: trace!.tokens[id], value: row[id] })), next);
    const u = unit.valueAsNumber || 0;
    const value = values ? values[t * trace.hiddenSize + u] : NaN;
    const nextProbability = next !== undefined ? row[trace.tokens.indexOf(next)] : undefined;
    cursorInfo.textContent = `Position ${t}: “${visible(trace.chars[t])}”, ${SIGNAL_NAMES[signal.value] ?? signal.value} of unit ${u} = ${value.toFixed(3)}. ` +
      (next !== undefined ? `Next character “${visible(next)}” had probability ${(nextProbability ?? 0).toFixed(3)}.` : 'End of the text.');
  }

  async function units(): Promise<void> {
    const [start, end] = selection;
    try {
      const reply = await client.request<UnitsReply>({ type: 'units', model, layer: Number(layer.value), signal: signal.value, start, end });
      unitsList.replaceChildren(...reply.units.map((u) => el('li', {}, button(
        `unit ${u.unit}: ${u.score >= 0 ? '+' : '−'}${Math.abs(u.score).toFixed(2)} σ (inside ${u.meanInside.toFixed(2)}, outside ${u.meanOutside.toFixed(2)})`,
        () => { unit.value = String(u.unit); colour(); },
      ))));
    } catch (e) {
      showError(status, e);
    }
  }

  const step = (d: number): void => {
    unit.value = String(Math.max(0, Math.min(facts.hiddenSize - 1, (unit.valueAsNumber || 0) + d)));
    colour();
  };
  unit.addEventListener('input', () => colour());
  layer.addEventListener('change', () => void showSignal());
  signal.addEventListener('change', () => void showSignal());
  const legend = el('span', { className: 'legend' });

  const prime = el('input', { type: 'text', value: '', attrs: { 'aria-label': 'Start of the sample' } });
  const temperature = numberInput(0.8, 0.05, 3, 'any');
  const length = numberInput(300, 1, 5000);
  const sampleOut = el('pre', { className: 'sample', attrs: { 'aria-live': 'polite' } });
  let seed = 1;
  const sample = async (): Promise<void> => {
    try {
      const text = await client.request<string>({ type: 'sample', model, prime: prime.value, length: length.valueAsNumber, temperature: temperature.valueAsNumber, seed: seed++ });
      sampleOut.textContent = prime.value + text;
    } catch (e) {
      showError(status, e);
    }
  };

  const panel = el('section', { className: 'charlm' },
    el('h2', { textContent: summary.title }),
    el('p', { className: 'details', textContent: summary.details }),
    el('h3', { textContent: 'What the units see' }),
    input,
    el('div', { className: 'row buttons' }, button('Inspect', () => void inspect(), { className: 'primary' })),
    status,
    el('div', { className: 'row' }, labelled('Layer', layer), labelled('Signal', signal), labelled('Unit', unit),
      button('◀', () => step(-1), { attrs: { 'aria-label': 'previous unit' } }), button('▶', () => step(1), { attrs: { 'aria-label': 'next unit' } }), legend),
    el('div', { className: 'columns wide-left' },
      el('div', {}, heat.canvas, cursorInfo),
      el('div', {}, el('h3', { textContent: 'Next character' }), nextChart,
        el('h3', { textContent: 'Units that fire on the selection' }), selectionInfo, findUnits, unitsList)),
    el('h3', { textContent: 'Sample' }),
    el('div', { className: 'row' }, labelled('Start with', prime), labelled('Temperature', temperature), labelled('Characters', length),
      button('Generate', () => void sample())),
    sampleOut);

  let shown = false;
  return {
    panel,
    onShow() {
      if (shown) return;
      shown = true;
      const text = defaultText();
      if (text) {
        input.value = text;
        void inspect();
      } else {
        void client.request<string>({ type: 'sample', model, prime: '', length: 400, temperature: 0.8, seed: 0 })
          .then((s) => { input.value = s; return inspect(); })
          .catch((e) => showError(status, e));
      }
    },
  };
}
