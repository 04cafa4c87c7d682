/** What a command of `rnnkit` is: its name, help, options and what it runs. Listed in ./commands/index.ts. */
import type { OptionGroup, OptionSpec, ParsedArgs } from './args.ts';
import type { Output } from './output.ts';

export interface Command {
  name: string;
  /** One line for `rnnkit --help`. */
  summary: string;
  /** `rnnkit sample RUN [options]`. */
  usage: string;
  /** Every option, grouped for --help. */
  optionGroups: readonly OptionGroup[];
  /** Paragraphs after the options in --help. */
  notes?: readonly string[];
  /**
   * The options in force for these arguments, when they depend on one of them (train: `--task`),
   * and why an option outside them is refused. Default: every option of every group.
   */
  selectOptions?(argv: readonly string[]): { options: OptionSpec[]; unknown?: (name: string) => string | null };
  /** Runs the command; resolves to the exit status. */
  run(args: ParsedArgs, out: Output): Promise<number>;
}
