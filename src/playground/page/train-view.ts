/**
 * The Train tab: a text (chosen from the bundled ones or pasted), the model and training
 * settings, Train / Stop / Resume / Download, the live loss curve (training loss and validation
 * bits per character, both in bits) and the latest samples.
 */
import type { ModelSummary, TrainEvent, TrainSettings } from '../protocol.ts';
import type { WorkerClient } from './client.ts';
import { button, clearError, el, labelled, numberInput, select, showError, statusLine } from './dom.ts';
import { lineChart } from './draw.ts';

/** The bundled texts (files under /texts/, written by the package build). */
export const TEXTS: readonly [file: string, label: string][] = [
  ['moby-dick.txt', 'Moby-Dick (first 200,000 characters)'],
  ['typescript.txt', 'TypeScript: rnnkit\'s own sources'],
  ['names.txt', 'First names, one per line'],
];

const SAMPLES_KEPT = 4;

export interface TrainView {
  panel: HTMLElement;
  /** The text of the current session (for the inspector's default). */
  text(): string;
}

export function trainView(client: WorkerClient, onModel: (summary: ModelSummary) => void): TrainView {
  const choice = select([...TEXTS, ['', 'Your own text']], TEXTS[0][0]);
  const textArea = el('textarea', { rows: 8, spellcheck: false, attrs: { 'aria-label': 'Training text' } });
  const settings = {
    cell: select(['lstm', 'gru', 'rnn'], 'lstm'),
    hiddenSize: numberInput(128, 1, 2048),
    numLayers: numberInput(2, 1, 8),
    embeddingSize: numberInput(32, 1, 1024),
    seqLen: numberInput(64, 2, 1000),
    batchSize: numberInput(32, 1, 512),
    lr: numberInput(0.003, 0.00001, 1, 'any'),
    seed: numberInput(1, 0, 2 ** 31 - 1),
  };
  const status = statusLine();
  const lossChart = el('canvas', { className: 'chart', attrs: { role: 'img', 'aria-label': 'Training loss: no data yet' } });
  const samples = el('ol', { className: 'samples', reversed: true, attrs: { 'aria-label': 'Samples, newest first', 'aria-live': 'polite' } });

  let sessionText = '';
  let losses: { x: number; y: number }[] = [];
  let evaluations: { x: number; y: number }[] = [];
  let step = 0, speed = 0, lastBpc = NaN;
  let running = false, hasSession = false;

  const train = button('Train', () => void start(), { className: 'primary' });
  const stop = button('Stop', () => void client.request({ type: 'stop' }));
  const resume = button('Resume', () => void client.request({ type: 'resume' }).then(() => setRunning(true)).catch((e) => showError(status, e)));
  const download = button('Download checkpoint', () => void save());

  function setRunning(on: boolean): void {
    running = on;
    train.textContent = hasSession ? 'Train anew' : 'Train';
    stop.disabled = !on;
    resume.disabled = on || !hasSession;
    download.disabled = !hasSession;
  }
  setRunning(false);

  async function loadChoice(): Promise<void> {
    if (!choice.value) {
      textArea.value = '';
      textArea.focus();
      return;
    }
    const response = await fetch(`/texts/${choice.value}`);
    textArea.value = response.ok ? await response.text() : '';
    if (!response.ok) showError(status, new Error(`cannot load ${choice.value}: HTTP ${response.status}`));
  }
  choice.addEventListener('change', () => void loadChoice());
  textArea.addEventListener('input', () => { if (choice.value) choice.value = ''; });

  async function start(): Promise<void> {
    clearError(status);
    const values: TrainSettings = {
      cell: settings.cell.value as TrainSettings['cell'],
      hiddenSize: settings.hiddenSize.valueAsNumber, numLayers: settings.numLayers.valueAsNumber,
      embeddingSize: settings.embeddingSize.valueAsNumber, seqLen: settings.seqLen.valueAsNumber,
      batchSize: settings.batchSize.valueAsNumber, lr: settings.lr.valueAsNumber, seed: settings.seed.valueAsNumber,
    };
    for (const [name, input] of Object.entries(settings)) {
      if (input instanceof HTMLInputElement && !input.checkValidity()) {
        showError(status, new Error(`${input.labels?.[0]?.textContent ?? name}: ${input.validationMessage}`));
        input.focus();
        return;
      }
    }
    status.textContent = 'starting…';
    sessionText = textArea.value;
    try {
      await client.request({ type: 'train', text: textArea.value, settings: values });
      setRunning(true);
    } catch (e) {
      showError(status, e);
    }
  }

  async function save(): Promise<void> {
    try {
      const { name, bytes } = await client.request<{ name: string; bytes: Uint8Array }>({ type: 'download', model: 'trained' });
      const link = el('a', { href: URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/zip' })), download: name });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
      status.textContent = `saved ${name}: unzip it, then \`rnnkit sample DIR\` — or open the .zip here later to resume`;
    } catch (e) {
      showError(status, e);
    }
  }

  function draw(): void {
    lineChart(lossChart, 220, [
      { points: losses, color: '#1f77b4', label: 'training loss (bits/char)' },
      { points: evaluations, color: '#d62728', label: 'validation (bits/char)' },
    ], { x: 'step', y: 'bits per character' });
    const first = losses[0], last = losses.at(-1);
    lossChart.setAttribute('aria-label', first && last
      ? `Training loss: ${first.y.toFixed(3)} bits/char at step ${first.x}, ${last.y.toFixed(3)} at step ${last.x}`
      : 'Training loss: no data yet');
  }

  function showStatus(): void {
    if (status.classList.contains('error')) return;
    const bpc = Number.isFinite(lastBpc) ? ` · validation ${lastBpc.toFixed(3)} bits/char` : '';
    status.textContent = `${running ? 'training' : 'stopped'} · step ${step} · loss ${losses.at(-1)?.y.toFixed(3) ?? '–'} bits/char` +
      ` · ${Math.round(speed).toLocaleString('en-US')} chars/s${bpc}`;
  }

  const BITS = 1 / Math.LN2;
  client.onTrainEvent((event: TrainEvent) => {
    switch (event.type) {
      case 'train-started':
        hasSession = true;
        losses = event.losses.map((p) => ({ x: p.step, y: p.loss * BITS }));
        evaluations = event.evaluations.map((p) => ({ x: p.step, y: p.bpc }));
        step = losses.at(-1)?.x ?? 0;
        lastBpc = evaluations.at(-1)?.y ?? NaN;
        samples.replaceChildren();
        onModel(event.model);
        draw();
        break;
      case 'train-losses':
        losses.push(...event.points.map((p) => ({ x: p.step, y: p.loss * BITS })));
        step = event.points.at(-1)?.step ?? step;
        speed = event.itemsPerSecond;
        draw();
        break;
      case 'train-evaluation':
        evaluations.push({ x: event.step, y: event.bpc });
        lastBpc = event.bpc;
        draw();
        break;
      case 'train-sample':
        samples.prepend(el('li', { value: event.step }, el('span', { className: 'step', textContent: `step ${event.step}` }), el('pre', { textContent: event.text })));
        while (samples.children.length > SAMPLES_KEPT) samples.lastElementChild!.remove();
        break;
      case 'train-stopped':
        step = event.step;
        setRunning(false);
        break;
      case 'train-error':
        setRunning(false);
        showError(status, new Error(event.error));
        return;
    }
    showStatus();
  });

  const panel = el('section', { className: 'train' },
    el('h2', { textContent: 'Train a character model' }),
    el('div', { className: 'row' }, labelled('Text', choice)),
    textArea,
    el('details', { open: true },
      el('summary', { textContent: 'Model and training settings' }),
      el('div', { className: 'row' },
        labelled('Cell', settings.cell), labelled('Hidden units', settings.hiddenSize), labelled('Layers', settings.numLayers),
        labelled('Embedding', settings.embeddingSize), labelled('Window (chars)', settings.seqLen), labelled('Batch', settings.batchSize),
        labelled('Learning rate', settings.lr), labelled('Seed', settings.seed))),
    el('div', { className: 'row buttons' }, train, stop, resume, download),
    status,
    el('div', { className: 'columns' },
      el('figure', {}, lossChart, el('figcaption', { textContent: 'Loss in bits per character: training batches (blue), held-out text (red).' })),
      el('div', {}, el('h3', { textContent: 'Samples as it learns' }), samples)));
  void loadChoice();
  new ResizeObserver(() => draw()).observe(lossChart);
  return { panel, text: () => sessionText };
}
