/** The Node-only part of the API (`rnnkit/node`): files, corpora, checkpoints and runs, backend choice. */
export { loadCorpus, BUILTIN_CORPORA, DATA_FORMATS, type Corpus, type DataFormat } from './corpora.ts';
export { CorpusError, type CorpusErrorCode } from '../errors.ts';
export {
  saveCheckpoint, loadCheckpoint, loadCheckpointDir, writeCheckpointFiles, resolveCheckpointDir, writeFileAtomic, RunDirectory, type Which,
} from './checkpoint.ts';
export { BACKEND_NAMES, NODE_BACKENDS } from './backends.ts';
export { useBackend } from '../backend/registry.ts';
export { loadOnnxFile, runOnnxTestDirectory } from './onnx.ts';
export { loadTfjsModelFile } from './tfjs.ts';
export {
  loadWordVectors, saveWordVectors, openVectors, loadPretrained, PRETRAINED, EVALUATION_FILES,
  type LoadVectorsOptions,
} from './vectors.ts';
export { loadSentences, BUILTIN_WORD_CORPORA } from './word-corpora.ts';
export { loadSentimentSentences, afinnPredictions, type LabelledSentence } from './sentiment.ts';
export { startPlayground, PlaygroundError, type PlaygroundOptions, type PlaygroundServer } from './playground.ts';
export {
  loadNativeBackend, nativeIsas, NativeBackend, NativeBackendUnavailableError, NATIVE_ISAS,
  type NativeBackendOptions, type NativeIsa,
} from '../backend/native/index.ts';
export { loadSequenceDataset, BUILTIN_DATASETS, type SequenceDataset, type SequenceTask, type Pair } from './datasets.ts';
