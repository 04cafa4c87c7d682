/**
 * Running the rnnkit command in a child process as users do: the compiled command in dist/
 * (`npm test` brings dist/ up to date first; it starts several times faster than the sources
 * through tsx).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';

export const BIN = join(import.meta.dirname, '..', 'dist', 'cli', 'bin.js');
const CLI = [BIN];

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

/** The command's `main` in this process (no start-up cost): for commands that neither train nor read stdin. */
export async function runInProcess(args: readonly string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const { main } = await import('../src/cli/main.ts');
  const collect = () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (chunk) => (text += chunk));
    return { stream, text: () => text };
  };
  const out = collect(), err = collect();
  const status = await main([...args], { stdout: out.stream, stderr: err.stream });
  return { status, stdout: out.text(), stderr: err.text() };
}
