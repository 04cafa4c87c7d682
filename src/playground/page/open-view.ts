/**
 * The Open tab: a checkpoint directory chosen from disk (the folder "rnnkit train" wrote, or one
 * of its checkpoints), or a .zip of one (as the Train tab downloads).
 */
import type { ModelSummary } from '../protocol.ts';
import { decodeZip, type ZipEntry } from '../zip.ts';
import type { WorkerClient } from './client.ts';
import { clearError, el, showError, statusLine } from './dom.ts';

export function openView(client: WorkerClient, onModel: (summary: ModelSummary) => void): HTMLElement {
  const folder = el('input', { type: 'file', id: 'open-folder' });
  folder.webkitdirectory = true;
  const archive = el('input', { type: 'file', id: 'open-file', accept: '.zip,.bin,.txt,.vec' });
  const status = statusLine();
  const opened = el('ul', { className: 'opened' });

  async function open(source: string, files: ZipEntry[]): Promise<void> {
    clearError(status);
    status.textContent = `opening ${source}…`;
    try {
      const summary = await client.request<ModelSummary>({ type: 'open', source, files }, [...new Set(files.map((f) => f.bytes.buffer))]);
      status.textContent = `opened ${summary.title}`;
      opened.append(el('li', {}, el('strong', { textContent: summary.title }), ` — ${summary.kind}: ${summary.details}`));
      onModel(summary);
    } catch (e) {
      showError(status, e);
    }
  }

  folder.addEventListener('change', async () => {
    const files = Array.from(folder.files ?? []);
    if (files.length === 0) return;
    const entries = await Promise.all(files.map(async (f) => ({ path: f.webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));
    await open(`the folder ${entries[0].path.split('/')[0]}`, entries);
    folder.value = '';
  });
  archive.addEventListener('change', async () => {
    const file = archive.files?.[0];
    if (!file) return;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      await open(file.name, file.name.endsWith('.zip') ? await decodeZip(bytes, file.name) : [{ path: file.name, bytes }]);
    } catch (e) {
      showError(status, e);
    }
    archive.value = '';
  });

  return el('section', { className: 'open' },
    el('h2', { textContent: 'Open a checkpoint' }),
    el('p', { textContent: 'A folder that "rnnkit train" wrote (its best/ checkpoint is taken, else last/), one checkpoint folder (holding model.json), '
      + 'or a .zip of one, such as the Train tab downloads (it resumes training); word vectors: a folder that "rnnkit embed train" wrote, '
      + 'or a vectors file (word2vec text or binary, GloVe).' }),
    el('div', { className: 'row' },
      el('span', { className: 'field' }, el('label', { htmlFor: folder.id, textContent: 'Checkpoint folder' }), folder),
      el('span', { className: 'field' }, el('label', { htmlFor: archive.id, textContent: 'or a file: .zip, vectors' }), archive)),
    status,
    opened);
}
