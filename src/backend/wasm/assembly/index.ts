// Entry point of the rnnkit wasm module: every exported kernel. Built by `npm run build:wasm`.
export { gemm, gemmInit, gemmPacked, gemmScratchBytes, matVecSum, packRight, packedRightFloats } from './gemm';
export {
  fill, copy, unary, unaryBackward, clamp, clampBackward, binary, axpy, scale, sumRows, sum, logSoftmax, softmax,
  crossEntropyForward, crossEntropyBackward, gather, scatterAdd,
} from './elementwise';
export {
  rnnCellForward, rnnCellBackward, lstmCellForward, lstmCellBackward,
  gruGates, gruBlend, gruUpdateBackward, gruResetAfterBackward, gruResetGateBackward,
} from './cells';
export { sgdUpdate, adamUpdate, adaptiveUpdate } from './optim';
export { word2vecScratchBytes, word2vecWork } from './word2vec';

/** First byte after the module's static data: the JS allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}
