/** `rnnkit export RUN --format onnx --out FILE.onnx`: a trained model as an ONNX file (src/io/onnx/export.ts). */
import { dirname } from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { exportOnnx, ONNX_GRAPHS, ONNX_OPSETS } from '../../io/onnx/export.ts';
import { writeFileAtomic } from '../../node/checkpoint.ts';
import { UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { OPEN_OPTIONS, openCheckpoint } from './open.ts';

const GRAPHS = [...new Set(Object.values(ONNX_GRAPHS).flatMap((w) => w.graphs))];

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a trained model as an ONNX file (for ONNX Runtime)',
  usage: 'rnnkit export RUN --out FILE.onnx [options]',
  optionGroups: [{
    title: 'options',
    options: [
      { name: 'out', type: 'string', value: 'FILE', description: 'the file to write (required)' },
      { name: 'format', type: 'choice', choices: ['onnx'], default: 'onnx', description: 'file format' },
      { name: 'graph', type: 'choice', choices: GRAPHS, description: 'which graph: language model "sequence" (ids [time, batch] → logits, default) or "step" (one token with the states as inputs and outputs, for sampling)' },
      { name: 'opset', type: 'integer', min: ONNX_OPSETS.min, max: ONNX_OPSETS.max, default: ONNX_OPSETS.default, description: 'ONNX operator set version' },
      ...OPEN_OPTIONS.filter((o) => o.name !== 'backend'),
    ],
  }],
  notes: ['The vocabulary and model configuration are stored in the ONNX model\'s metadata under "rnnkit" (JSON).'],

  async run(args, out) {
    const file = args.values.out as string | undefined;
    if (!file) throw new UsageError('--out FILE.onnx is required');
    if (existsSync(file) && statSync(file).isDirectory()) throw new UsageError(`--out ${file} is a directory; give a file name`);
    if (!existsSync(dirname(file) || '.')) throw new UsageError(`--out ${file}: the directory ${dirname(file)} does not exist`);
    const { model, dir } = await openCheckpoint({ ...args, values: { ...args.values, backend: 'reference' } }, 'export');
    const graph = args.values.graph as string | undefined;
    const bytes = exportOnnx(model, { graph, opset: args.values.opset as number });
    writeFileAtomic(file, bytes);
    out.line(`${file}: ${model.kind} model from ${dir}, ${graph ?? ONNX_GRAPHS[model.kind].graphs[0]} graph, opset ${args.values.opset}, ${bytes.length} bytes`);
    return 0;
  },
};
