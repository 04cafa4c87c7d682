/**
 * The playground's compute worker (a module Web Worker of the page): starts the wasm backend
 * (threads where the page is cross-origin isolated, else the reference backend), holds the
 * models — the one being trained and those opened from disk — and answers the page's requests
 * (protocol.ts). Training runs here, so the page stays responsive.
 */
import { ready } from '../../platform/browser.ts';
import type { Request, TrainEvent, WorkerMessage } from '../protocol.ts';
import { encodeZip } from '../zip.ts';
import { charLMSummary, describeCharLM, holdCharLM } from './charlm.ts';
import type { HeldModel, ModelRequest } from './held.ts';
import { openFiles } from './open.ts';
import { TrainingSession } from './training.ts';

interface WorkerScope {
  onmessage: ((event: MessageEvent<{ id: number; request: Request }>) => void) | null;
  postMessage(message: WorkerMessage, transfer?: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;
const post = (message: WorkerMessage, transfer: Transferable[] = []): void => scope.postMessage(message, transfer);

/** The id of the model being trained. */
const TRAINED = 'trained';
const models = new Map<string, HeldModel>();
let session: TrainingSession | null = null;
let opened = 0;

/** The default backend as a page using rnnkit gets it: wasm (threads where the page is cross-origin isolated), else the reference backend. */
async function startBackend(): Promise<void> {
  const backend = await ready({ wasmDirUrl: '/wasm/', workerUrl: '/gemm-worker.js', threads: Math.min(4, navigator.hardwareConcurrency || 1) });
  post({ type: 'ready', backend: backend.name, threads: backend.threads });
}

const emit = (event: TrainEvent): void => post(event);

/** Makes `next` the training session (stopping the previous one) and tells the page. */
function installSession(next: TrainingSession, title: string, details: string): HeldModel {
  session?.stop();
  session = next;
  const held = holdCharLM(next.model, charLMSummary(next.model, TRAINED, title, details));
  models.set(TRAINED, held);
  const { trainer } = next;
  emit({
    type: 'train-started', model: held.summary, totalChars: next.text.length, losses: trainer.losses.points(),
    evaluations: trainer.evaluations.map((e) => ({ step: e.step, bpc: e.metrics.bpc })),
  });
  return held;
}

async function handle(request: Request): Promise<{ result: unknown; transfer?: Transferable[] }> {
  switch (request.type) {
    case 'train': {
      const next = new TrainingSession(request.text, request.settings, emit);
      installSession(next, `${request.settings.cell.toUpperCase()} trained here`, describeCharLM(next.model));
      void next.run();
      return { result: null };
    }
    case 'stop':
      session?.stop();
      return { result: null };
    case 'resume':
      if (!session) throw new Error('nothing to resume: start training first');
      void session.run();
      return { result: null };
    case 'download': {
      if (!session || request.model !== TRAINED) throw new Error('only the model trained here can be downloaded');
      const name = `playground-${session.settings.cell}-step${session.trainer.step}`;
      const bytes = encodeZip(session.checkpointEntries(name));
      return { result: { name: `${name}.zip`, bytes }, transfer: [bytes.buffer] };
    }
    case 'open': {
      const found = openFiles(request.files, request.source);
      const id = `opened-${++opened}`;
      if (found.resume) {
        // a playground checkpoint with its text: it becomes the training session, ready to resume
        const next = new TrainingSession(found.resume.text, found.resume.settings, emit, found.resume);
        const held = installSession(next, found.summary.title, found.summary.details);
        emit({ type: 'train-stopped', step: next.trainer.step, reason: 'opened' });
        return { result: held.summary };
      }
      const held = found.hold({ ...found.summary, id });
      models.set(id, held);
      return { result: held.summary };
    }
    default: {
      const held = models.get(request.model);
      if (!held) throw new Error(`no model "${request.model}"`);
      return held.answer(request as ModelRequest);
    }
  }
}

const started = startBackend();

scope.onmessage = async ({ data: { id, request } }) => {
  await started;
  try {
    const { result, transfer } = await handle(request);
    post({ id, ok: true, result }, transfer);
  } catch (e) {
    post({ id, ok: false, error: (e as Error).message });
  }
};
