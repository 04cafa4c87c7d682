/**
 * `rnnkit onnx test DIR…`: runs ONNX backend-test directories (model.onnx, and input_N.pb /
 * output_N.pb in each test_data_set_N) through rnnkit and prints one JSON line per directory; a
 * directory without model.onnx stands for the test directories inside it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BACKEND_NAMES } from '../../node/backends.ts';
import { useBackend } from '../../backend/registry.ts';
import { runOnnxTestDirectory } from '../../node/onnx.ts';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';

/** The test directories DIR stands for: itself, or its subdirectories holding a model.onnx. */
function testDirectories(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UsageError(`${dir} is not a directory`);
  if (existsSync(join(dir, 'model.onnx'))) return [dir];
  const inner = readdirSync(dir).sort().map((d) => join(dir, d)).filter((d) => existsSync(join(d, 'model.onnx')));
  if (inner.length === 0) throw new UsageError(`${dir} holds no model.onnx, nor do its subdirectories`);
  return inner;
}

export const onnxTestCommand: Command = {
  name: 'onnx test',
  summary: 'run ONNX backend-test directories (model.onnx + test_data_set_*) and print one JSON line each',
  usage: 'rnnkit onnx test DIR... [options]',
  optionGroups: [{
    title: 'options',
    options: [
      { name: 'rtol', type: 'number', min: 0, default: 1e-3, description: 'relative tolerance (|actual − expected| ≤ atol + rtol·|expected|, as ONNX\'s runner)' },
      { name: 'atol', type: 'number', min: 0, default: 1e-7, description: 'absolute tolerance' },
      { name: 'backend', type: 'choice', choices: BACKEND_NAMES, description: 'compute backend (default: the fastest that loads)' },
    ],
  }],
  notes: ['Each line: {"name", "passed", "dataSets", "maxAbsError", "error"?}. Exit status 1 when any test failed.'],

  async run(args, out) {
    if (args.positionals.length === 0) throw new UsageError('name at least one test directory');
    const dirs = args.positionals.flatMap(testDirectories);
    const backend = useBackend(args.values.backend as string | undefined);
    let failed = 0;
    for (const dir of dirs) {
      const result = runOnnxTestDirectory(dir, { rtol: args.values.rtol as number, atol: args.values.atol as number, backend });
      if (!result.passed) failed++;
      out.line(JSON.stringify(result));
    }
    return failed > 0 ? 1 : 0;
  },
};
