/** What sample, eval (and later predict) share: opening a checkpoint named on the command line. */
import { BACKEND_NAMES } from '../../node/backends.ts';
import { useBackend } from '../../backend/registry.ts';
import { loadCheckpoint, type Which } from '../../node/checkpoint.ts';
import type { LoadedCheckpoint } from '../../io/checkpoint.ts';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.ts';

export const OPEN_OPTIONS: OptionSpec[] = [
  { name: 'checkpoint', type: 'choice', choices: ['best', 'last'], description: 'which checkpoint of a run directory (default: best, else last)' },
  { name: 'backend', type: 'choice', choices: BACKEND_NAMES, description: 'compute backend (default: the fastest that loads)' },
];

/** The checkpoint of the one positional RUN argument, on the chosen backend. */
export async function openCheckpoint(args: ParsedArgs, command: string): Promise<LoadedCheckpoint & { dir: string }> {
  if (args.positionals.length !== 1) {
    throw new UsageError(`rnnkit ${command} takes one RUN directory (what "rnnkit train" wrote, or one of its checkpoints), got ${args.positionals.length}`);
  }
  const backend = useBackend(args.values.backend as string | undefined);
  return loadCheckpoint(args.positionals[0], { backend, which: args.values.checkpoint as Which | undefined });
}
