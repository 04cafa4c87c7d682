/** ONNX files: loading a model from disk and running ONNX backend-test directories. */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ModelFormatError } from '../errors.ts';
import { loadOnnx, type OnnxLoadOptions, type OnnxModel } from '../io/onnx/model.ts';
import { runOnnxTest, type OnnxTestOptions, type OnnxTestResult } from '../io/onnx/backend-test.ts';

/** Reads and loads a .onnx file. */
export function loadOnnxFile(path: string, options: OnnxLoadOptions = {}): OnnxModel {
  return loadOnnx(readBytes(path), options);
}

function readBytes(path: string): Uint8Array {
  if (!existsSync(path)) throw new ModelFormatError('ONNX model', `${path} does not exist`);
  return readFileSync(path);
}

/** Files named `${prefix}N.pb` in a directory, in the order of N. */
function numbered(dir: string, prefix: string): Uint8Array[] {
  return readdirSync(dir)
    .map((f) => ({ f, n: f.startsWith(prefix) && f.endsWith('.pb') ? Number(f.slice(prefix.length, -3)) : Number.NaN }))
    .filter(({ n }) => Number.isInteger(n))
    .sort((a, b) => a.n - b.n)
    .map(({ f }) => readFileSync(join(dir, f)));
}

/** Runs one backend-test directory (model.onnx + test_data_set_*); its name is the directory's. */
export function runOnnxTestDirectory(dir: string, options: OnnxTestOptions = {}): OnnxTestResult {
  const name = basename(dir);
  if (!existsSync(join(dir, 'model.onnx'))) return { name, passed: false, dataSets: 0, error: `${dir} has no model.onnx` };
  const sets = readdirSync(dir).filter((f) => /^test_data_set_\d+$/.test(f)).sort((a, b) => Number(a.slice(14)) - Number(b.slice(14)));
  const dataSets = sets.map((s) => ({ inputs: numbered(join(dir, s), 'input_'), outputs: numbered(join(dir, s), 'output_') }));
  return runOnnxTest(name, readBytes(join(dir, 'model.onnx')), dataSets, options);
}
