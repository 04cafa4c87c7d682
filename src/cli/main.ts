/**
 * The `rnnkit` command: finds the command (./commands/index.ts), prints help and version, parses
 * the options from the command's spec and runs it. User errors end in one line on stderr and a
 * non-zero exit status; anything else is a bug and keeps its stack trace.
 */
import { RnnkitError } from '../errors.ts';
import { rnnkitPackage } from '../node/package-root.ts';
import { UsageError, formatHelp, parseOptions } from './args.ts';
import type { Command } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { Output } from './output.ts';

/** The version in rnnkit's package.json. */
export function version(): string {
  return rnnkitPackage()?.version ?? 'unknown';
}

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.replace(/^rnnkit /, '').replace(/ \[options\]$/, '').length)) + 2;
  const lines = COMMANDS.map((c) => `  ${c.usage.replace(/^rnnkit /, '').replace(/ \[options\]$/, '').padEnd(width)}${c.summary}`);
  return `usage: rnnkit <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n` +
    'Run "rnnkit <command> --help" for the options of a command; "rnnkit --version" prints the version.';
}

/** The command named by the first words of argv (the longest match), and the rest of argv. */
function findCommand(argv: readonly string[]): { command: Command; rest: string[] } | null {
  let found: { command: Command; rest: string[] } | null = null;
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((w, i) => argv[i] === w) && (!found || words.length > found.command.name.split(' ').length)) {
      found = { command, rest: argv.slice(words.length) };
    }
  }
  return found;
}

/** Errors that are the user's to fix: one line, no stack trace. */
function isUserError(e: unknown): e is Error {
  if (e instanceof RnnkitError) return true;
  // a system call that failed on the user's files or disk (EACCES, ENOSPC, EROFS, …)
  const err = e as NodeJS.ErrnoException;
  return e instanceof Error && typeof err.code === 'string' && typeof err.syscall === 'string';
}

/** Runs `rnnkit ARGV…`; resolves to the exit status. `stdout` / `stderr` default to the process's. */
export async function main(argv: string[], io: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {}): Promise<number> {
  const out = new Output(io.stdout);
  const stderr = io.stderr ?? process.stderr;
  const [first] = argv;
  if (first === '--version' || first === '-V') {
    out.line(version());
    return 0;
  }
  if (!first || first === '--help' || first === '-h' || first === 'help') {
    out.line(usage());
    return first ? 0 : 2;
  }
  const found = findCommand(argv);
  const name = found?.command.name ?? first;
  try {
    if (!found) {
      const sub = COMMANDS.filter((c) => c.name.startsWith(`${first} `)).map((c) => `"${c.name}"`);
      throw new UsageError(sub.length > 0
        ? `"${argv.slice(0, 2).join(' ')}" is not a command: use ${sub.join(', ')}`
        : `unknown command "${first}": use ${COMMANDS.map((c) => c.name.split(' ')[0]).filter((n, i, all) => all.indexOf(n) === i).join(', ')} (see "rnnkit --help")`);
    }
    const { command, rest } = found;
    if (rest.includes('--help') || rest.includes('-h')) {
      out.line(formatHelp(command.usage, command.summary, command.optionGroups, command.notes));
      return 0;
    }
    const { options, unknown } = command.selectOptions?.(rest) ?? { options: command.optionGroups.flatMap((g) => g.options) };
    let args;
    try {
      args = parseOptions(rest, options, unknown);
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`${e.message} (see "rnnkit ${name} --help")`);
      throw e;
    }
    return await command.run(args, out);
  } catch (e) {
    if (!isUserError(e)) throw e;
    stderr.write(`rnnkit ${name}: error: ${e.message.split('\n')[0]}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
