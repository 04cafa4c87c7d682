/**
 * rnnkit's public API. Portable: nothing here imports Node-only code (that lives in src/node and
 * src/cli), so the same entry point serves Node and browsers.
 */

// ---- tensors, memory scopes, seeded randomness ------------------------------------------------
export { Tensor, Allocation, tensor, zeros, full, shapeSize, tidy, keep, type CreateOptions, type GradNode } from './tensor/tensor.ts';
export { Random, globalRandom, manualSeed } from './tensor/random.ts';

// ---- backends ---------------------------------------------------------------------------------
export type { Backend, DType, F32, I32, Storage, UnaryOp, BinaryOp, RecurrentActivation, ClampArgs, ClampBackwardArgs } from './backend/backend.ts';
export {
  registerBackend, getBackend, setBackend, useBackend, listBackends, ready, setBackendProviders, REFERENCE_PROVIDER,
  BackendNotReadyError, BackendUnavailableError, type BackendProvider, type ReadyOptions,
} from './backend/registry.ts';
export { ReferenceBackend } from './backend/reference/index.ts';
export { createWasmBackend, type BrowserPlatformOptions, type WasmBackend, type WasmBackendOptions } from './backend/wasm/index.ts';

// ---- autograd ---------------------------------------------------------------------------------
export { backward, noGrad, isGradEnabled, record, type BackwardOptions } from './autograd/tape.ts';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './autograd/gradcheck.ts';

// ---- differentiable ops -----------------------------------------------------------------------
export {
  tanh, sigmoid, relu, exp, log, neg, add, sub, mul, div, scale, clamp, matmul, linear, reshape, sum, mean,
} from './ops/basic.ts';
export { concat, slice, split, stack, transpose01, indexSelect } from './ops/shape.ts';
export { softmax, logSoftmax, crossEntropy, type CrossEntropyOptions } from './ops/softmax.ts';
export { embedding } from './ops/embedding.ts';
export { dropout } from './ops/dropout.ts';
export { where } from './ops/select.ts';
export { activate, ACTIVATION_NAMES, type Activation, type ActivationName } from './ops/activations.ts';
export { variantRecurrentSequence, type CellVariant } from './ops/recurrent-variants.ts';
export { attentionScores, maskedSoftmax, attend, pairwiseAdd } from './ops/attention.ts';
export { maxOverTime, meanOverTime } from './ops/pooling.ts';
export { crfNegLogLikelihood, crfViterbi, type CrfParameters } from './ops/crf.ts';
export {
  recurrentSequence, type RecurrentMode, type SequenceWeights, type SequenceOptions, type SequenceResult,
} from './ops/recurrent.ts';

// ---- modules, layers, cells -------------------------------------------------------------------
export { Module, type TensorData } from './nn/module.ts';
export { Linear, Embedding, Dropout, type InitOptions } from './nn/layers.ts';
export { RNN, LSTM, GRU, RecurrentLayer, type RNNOptions, type RNNInput, type RNNOutput } from './nn/rnn.ts';
export {
  RNNCell, LSTMCell, GRUCell, SimplifiedGRUCell,
  type Cell, type CellState, type CellOutput, type CellOptions, type LSTMState,
} from './nn/cells.ts';
export { dynamicRNN, type DynamicRNNOptions, type DynamicRNNResult } from './nn/dynamic-rnn.ts';
export { Attention, ATTENTION_KINDS, type AttentionKind, type AttentionOptions, type AttentionResult } from './nn/attention.ts';
export { CRF } from './nn/crf.ts';

// ---- errors -----------------------------------------------------------------------------------
export {
  RnnkitError, ShapeError, ValueError, ModelFormatError, DisposedError, GraphError, MemoryLimitError, CheckpointError, VocabError,
  BatchingError, CorpusError, FileFormatError, UnknownWordError, MissingPretrainedError, DivergedError, OutputError, formatShape, formatBytes,
  type CorpusErrorCode,
} from './errors.ts';

// ---- optimizers, data, models, sampling, io ---------------------------------------------------
// (further public modules are added here)
export * from './optim/index.ts';
export * from './data/vocab.ts';
export * from './data/batching.ts';
export * from './data/corpus.ts';
export * from './data/text.ts';
export * from './data/builtin.ts';
export * from './data/dates.ts';
export * from './data/formats.ts';
export * from './data/metrics.ts';
export * from './models/charlm-net.ts';
export * from './models/charlm.ts';
export * from './models/charlm-task.ts';
export { Stepper, type StepperNet } from './models/stepper.ts';
export * from './models/charlm-trace.ts';
export * from './models/kinds.ts';
export * from './models/vanilla-rnn.ts';
export * from './train/index.ts';
export * from './models/classifier.ts';
export * from './models/word-classifier.ts';
export * from './data/word-tokens.ts';
export * from './models/tagger.ts';
export * from './models/seq2seq.ts';
export * from './models/generator.ts';
export * from './models/text-classifier.ts';
export * from './models/text-tagger.ts';
export * from './models/translator.ts';
export * from './models/text-generator.ts';
export { CELL_KINDS } from './models/recurrent-encoder.ts';
export * from './sampling/index.ts';
export * from './io/safetensors.ts';
export * from './io/checkpoint.ts';
export { loadOnnx, OnnxModel, SUPPORTED_OPERATORS, type OnnxValueInfo, type OnnxLoadOptions } from './io/onnx/model.ts';
export { onnxTensor, type OnnxTensor, type OnnxElementType } from './io/onnx/tensor.ts';
export { runOnnxTest, type OnnxTestData, type OnnxTestResult, type OnnxTestOptions } from './io/onnx/backend-test.ts';
export { exportOnnx, ONNX_GRAPHS, ONNX_OPSETS, type OnnxExportOptions } from './io/onnx/export.ts';
export { loadTfjsModel, KerasModel, type TfjsModelJson } from './io/keras/tfjs.ts';

// ---- word embeddings --------------------------------------------------------------------------
export { WordVectors, type WordOrVector, type MostSimilarOptions, type SimilarWord } from './embeddings/word-vectors.ts';
export {
  type AnalogyOptions, type AnalogyResult, type AnalogySection, type Analogy, type WordPairOptions, type WordPairResult,
} from './embeddings/evaluate.ts';
export { VectorsReader, parseVectors, encodeVectors, parseWinkJson, VECTORS_FORMATS, type VectorsFormat, type ReaderOptions } from './embeddings/formats.ts';
export { sentencesOf, buildVocabulary, encodeCorpus, type Vocabulary, type EncodedCorpus } from './embeddings/corpus.ts';
export {
  trainWord2Vec, WORD2VEC_DEFAULTS, type Word2VecOptions, type Word2VecProgress, type Word2VecResult,
} from './embeddings/word2vec.ts';
export { pca2d, tsne2d, type TsneOptions, type Points2D } from './embeddings/projection.ts';
export { plotSvg, plotHtml, type PlotPanel } from './embeddings/plot.ts';
