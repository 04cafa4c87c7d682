/**
 * Running the rnnkit command in a child process, from its TypeScript sources (through tsx; the
 * package test runs the compiled command of the packed package, as users do).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const CLI = ['--import', import.meta.resolve('tsx'), join(import.meta.dirname, '..', 'src', 'cli', 'bin.ts')];

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function run(args: readonly string[], options: { cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000, cwd: options.cwd });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export function spawnCli(args: readonly string[], options: { cwd?: string } = {}): ChildProcess {
  return spawn(process.execPath, [...CLI, ...args], { cwd: options.cwd });
}

/** `run` without blocking the test process (for runs side by side). */
export function runAsync(args: readonly string[]): Promise<CliResult> {
  const child = spawnCli(args);
  let stdout = '', stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
}
