/** `rnnkit eval RUN`: the task's metrics on the held-out part of the run's data (or of --data). */
import { noGrad } from '../../autograd/tape.ts';
import { tidy } from '../../tensor/tensor.ts';
import { CheckpointError } from '../../errors.ts';
import type { Command } from '../command.ts';
import { findTask } from '../tasks/index.ts';
import { OPEN_OPTIONS, openCheckpoint } from './open.ts';

export const evalCommand: Command = {
  name: 'eval',
  summary: 'the task\'s metrics on held-out data (language model: bits per character; others: their test part)',
  usage: 'rnnkit eval RUN [options]',
  optionGroups: [{
    title: 'options',
    options: [
      { name: 'data', type: 'string', value: 'NAME|PATH', description: 'evaluate on the held-out part of this data instead of the run\'s (read as the run read its own)' },
      ...OPEN_OPTIONS,
      { name: 'json', type: 'flag', description: 'print one JSON object: data, checkpoint, step and the metrics' },
    ],
  }],

  async run(args, out) {
    const checkpoint = await openCheckpoint(args, 'eval');
    const name = checkpoint.info.task?.name;
    const cliTask = name === undefined ? undefined : findTask(name);
    if (!cliTask) throw new CheckpointError(`${checkpoint.dir} does not say which task trained it (model.json "task"), so there is no held-out data to evaluate on`);
    const { task, info } = await cliTask.reopen(checkpoint, args.values.data as string | undefined, 'test');
    task.module.eval();
    const { metrics } = noGrad(() => tidy(() => task.evaluate()));
    if (args.values.json) out.line(JSON.stringify({ data: info.data ?? null, checkpoint: checkpoint.dir, step: checkpoint.info.step, ...metrics }));
    else out.line(cliTask.formatMetrics(metrics, info.data ?? '—'));
    return 0;
  },
};
