/**
 * The playground page: tabs for training, opening checkpoints and one per model, over a compute
 * worker that holds the models (worker/worker.ts).
 */
import type { ModelSummary } from '../protocol.ts';
import { WorkerClient } from './client.ts';
import { Tabs } from './dom.ts';
import { openView } from './open-view.ts';
import { trainView } from './train-view.ts';
import { modelView } from './views.ts';

const client = new WorkerClient();
const tabs = new Tabs(document.getElementById('tabs')!, document.getElementById('panels')!);
const backendLine = document.getElementById('backend')!;

function showModel(summary: ModelSummary, select: boolean): void {
  const view = modelView(summary, { client, trainingText: () => train.text() });
  tabs.set(summary.id, summary.id === 'trained' ? `Inspect: ${summary.title}` : summary.title, view.panel, () => view.onShow());
  if (select) tabs.select(summary.id);
}

const train = trainView(client, (summary) => showModel(summary, false));
tabs.set('train', 'Train', train.panel);
tabs.set('open', 'Open', openView(client, (summary) => showModel(summary, true)));
void client.ready.then(({ backend, threads }) => {
  backendLine.textContent = `backend: ${backend}, ${threads} thread${threads === 1 ? '' : 's'}${crossOriginIsolated ? '' : ' (page not cross-origin isolated)'}`;
});
