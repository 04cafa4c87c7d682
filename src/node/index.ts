/** The Node-only part of the API (`rnnkit/node`): files, corpora, checkpoints, backend choice. */
export { loadCorpus, CorpusError, BUILTIN_CORPORA, type Corpus } from './corpora.ts';
export { saveCheckpoint, loadCheckpoint, type LoadedCheckpoint } from './checkpoint.ts';
export { useBackend, BACKEND_NAMES } from './backends.ts';
export { renderReport, writeReport } from './report.ts';
