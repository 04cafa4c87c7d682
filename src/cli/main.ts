/**
 * The `rnnkit` command: `train`, `sample`, `eval`. User errors end in one line on stderr and a
 * non-zero exit code; anything else is a bug and keeps its stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RnnkitError } from '../errors.ts';
import { CorpusError } from '../node/corpora.ts';
import { VocabError } from '../data/vocab.ts';
import { BatchingError } from '../data/batching.ts';
import { trainCommand, TRAIN_OPTIONS } from './train.ts';
import { sampleCommand, evalCommand, SAMPLE_OPTIONS, EVAL_OPTIONS } from './sample.ts';

export class UsageError extends RnnkitError {}

const USAGE = `usage: rnnkit <command> [options]

commands:
  train                 train a character language model (default data: moby-dick)
  sample CHECKPOINT     generate text from a trained model
  eval CHECKPOINT       bits per character and perplexity on held-out text

Run "rnnkit <command> --help" for the command's options.`;

type Options = NonNullable<ParseArgsConfig['options']>;

const COMMANDS: Record<string, { options: Options; help: string; run: (values: Record<string, unknown>, positionals: string[]) => Promise<number> }> = {
  train: { options: TRAIN_OPTIONS, help: 'rnnkit train [--data moby-dick|names|PATH] [options]', run: trainCommand },
  sample: { options: SAMPLE_OPTIONS, help: 'rnnkit sample CHECKPOINT [options]', run: sampleCommand },
  eval: { options: EVAL_OPTIONS, help: 'rnnkit eval CHECKPOINT [--data moby-dick|names|PATH]', run: evalCommand },
};

function describeOptions(options: Options): string {
  return Object.entries(options)
    .map(([name, o]) => `  --${name}${o.type === 'string' ? ' VALUE' : ''}${'default' in o ? `  (default ${o.default})` : ''}`)
    .join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new UsageError(`unknown command "${name}": use train, sample or eval`);
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(`usage: ${command.help}\n\noptions:\n${describeOptions(command.options)}`);
      return 0;
    }
    let parsed;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${(e as Error).message.split('\n')[0]} (see "rnnkit ${name} --help")`);
    }
    return await command.run(parsed.values, parsed.positionals);
  } catch (e) {
    if (isUserError(e)) {
      console.error(`rnnkit ${name}: error: ${(e as Error).message}`);
      return e instanceof UsageError ? 2 : 1;
    }
    throw e;
  }
}

function isUserError(e: unknown): boolean {
  return e instanceof RnnkitError || e instanceof CorpusError || e instanceof VocabError || e instanceof BatchingError;
}
