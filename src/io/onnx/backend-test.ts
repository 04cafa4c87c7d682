/**
 * ONNX backend tests (the layout of onnx/backend/test/data: model.onnx plus test_data_set_N/
 * input_K.pb and output_K.pb) run through loadOnnx, compared as ONNX's own runner does:
 * |actual − expected| ≤ atol + rtol·|expected| for every element, same dims and type.
 */
import type { Backend } from '../../backend/backend.ts';
import { RnnkitError } from '../../errors.ts';
import { loadOnnx } from './model.ts';
import { decodeTensorFile } from './proto.ts';
import { describeTensor, type OnnxTensor } from './tensor.ts';

export interface OnnxTestData {
  /** Serialized TensorProtos, in the order of the graph's inputs / outputs. */
  inputs: Uint8Array[];
  outputs: Uint8Array[];
}

export interface OnnxTestResult {
  name: string;
  passed: boolean;
  dataSets: number;
  /** Largest |actual − expected| over all outputs (when the model ran). */
  maxAbsError?: number;
  /** Why it failed: the first mismatch, or the error that stopped it. */
  error?: string;
}

export interface OnnxTestOptions {
  rtol?: number;
  atol?: number;
  backend?: Backend;
}

/** ONNX's node tests use rtol 1e-3, atol 1e-7. */
export function runOnnxTest(name: string, model: Uint8Array, dataSets: OnnxTestData[], options: OnnxTestOptions = {}): OnnxTestResult {
  const { rtol = 1e-3, atol = 1e-7, backend } = options;
  let maxAbsError = 0;
  try {
    const onnx = loadOnnx(model, { backend });
    for (const [k, data] of dataSets.entries()) {
      const feeds: Record<string, OnnxTensor> = {};
      data.inputs.forEach((bytes, i) => {
        const { name: given, tensor } = decodeTensorFile(bytes, `test_data_set_${k}/input_${i}.pb`);
        feeds[given || onnx.inputs[i]?.name] = tensor;
      });
      const outputs = onnx.run(feeds);
      for (const [i, bytes] of data.outputs.entries()) {
        const { tensor: expected } = decodeTensorFile(bytes, `test_data_set_${k}/output_${i}.pb`);
        const outName = onnx.outputs[i].name;
        const actual = outputs[outName];
        const where = `test_data_set_${k} output '${outName}'`;
        if (actual.type !== expected.type || actual.dims.join() !== expected.dims.join()) {
          return { name, passed: false, dataSets: dataSets.length, error: `${where}: got ${describeTensor(actual)}, expected ${describeTensor(expected)}` };
        }
        for (let j = 0; j < expected.data.length; j++) {
          const e = expected.data[j], diff = Math.abs(actual.data[j] - e);
          maxAbsError = Math.max(maxAbsError, diff);
          if (!(diff <= atol + rtol * Math.abs(e))) {
            return { name, passed: false, dataSets: dataSets.length, maxAbsError, error: `${where}[${j}] = ${actual.data[j]}, expected ${e} (rtol ${rtol}, atol ${atol})` };
          }
        }
      }
    }
  } catch (e) {
    if (!(e instanceof RnnkitError)) throw e;
    return { name, passed: false, dataSets: dataSets.length, error: e.message };
  }
  return { name, passed: true, dataSets: dataSets.length, maxAbsError };
}
