/** The Node-only part of the API (`rnnkit/node`): files, corpora, checkpoints and runs, backend choice. */
export { loadCorpus, BUILTIN_CORPORA, DATA_FORMATS, type Corpus, type DataFormat } from './corpora.ts';
export { CorpusError, type CorpusErrorCode } from '../errors.ts';
export {
  saveCheckpoint, loadCheckpoint, loadCheckpointDir, writeCheckpointFiles, resolveCheckpointDir, writeFileAtomic, RunDirectory, OutputError, type Which,
} from './checkpoint.ts';
export { useBackend, BACKEND_NAMES } from './backends.ts';
export { loadOnnxFile, runOnnxTestDirectory } from './onnx.ts';
export { loadTfjsModelFile } from './tfjs.ts';
export {
  loadNativeBackend, nativeIsas, NativeBackend, NativeBackendUnavailableError, NATIVE_ISAS,
  type NativeBackendOptions, type NativeIsa,
} from '../backend/native/index.ts';
