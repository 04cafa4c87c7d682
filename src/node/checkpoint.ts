/**
 * Checkpoints and runs on disk.
 *
 * A checkpoint is a directory of the files of src/io/checkpoint.ts, published as one unit: the
 * files are written (and fsync'ed) into `DIR.new`, model.json last; then `DIR` is renamed to
 * `DIR.old`, `DIR.new` to `DIR`, and `DIR.old` removed. A kill at any instant leaves a complete
 * checkpoint, old or new: readers take `DIR`, or when it is missing `DIR.new` if it holds
 * model.json (killed between the renames, or in a first save after model.json), else `DIR.old`.
 *
 * A training run is a directory holding `last/` (the latest checkpoint, with the training state),
 * `best/` (the checkpoint of the best evaluation so far), `report.html`, and while a process
 * trains in it, `lock`.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Backend } from '../backend/backend.ts';
import { CheckpointError, OutputError } from '../errors.ts';
import {
  JSON_FILE, decodeCheckpoint, encodeCheckpoint, type CheckpointFiles, type CheckpointInfo, type CheckpointModel, type LoadedCheckpoint,
  type TrainingCheckpoint,
} from '../io/checkpoint.ts';
import { modelKind } from '../models/kinds.ts';


const NEW = '.new', OLD = '.old';
const LOCK = 'lock';
/** Temporary files of atomic single-file writes: `NAME.tmp-PID`. */
const TMP = /\.tmp-\d+$/;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Writes `bytes` to `path` and flushes them to the disk. */
function writeDurable(path: string, bytes: Uint8Array | string): void {
  const data = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const fd = openSync(path, 'w');
  try {
    for (let at = 0; at < data.length;) at += writeSync(fd, data, at, data.length - at);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Flushes a directory's entries (renames) to the disk; a no-op where directories cannot be opened. */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // some file systems do not sync directories
  } finally {
    closeSync(fd);
  }
}

/**
 * `mkdir -p` (Node's own recursive mkdir loops forever where a parent cannot be created, e.g.
 * under /proc): creates the missing parents, then the directory; an existing directory is fine.
 */
function makeDirectories(path: string): void {
  try {
    mkdirSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && statSync(path).isDirectory()) return;
    if (code !== 'ENOENT' || dirname(path) === path) throw e;
    makeDirectories(dirname(path));
    mkdirSync(path);
  }
}

/** Replaces the file at `path` in one rename. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeDurable(tmp, bytes);
  renameSync(tmp, path);
}

/** Publishes `files` as the checkpoint directory `dir` (see the top of this file). */
export function writeCheckpointFiles(dir: string, files: CheckpointFiles): void {
  const staging = dir + NEW, old = dir + OLD;
  rmSync(staging, { recursive: true, force: true });
  makeDirectories(staging);
  const names = Object.keys(files).filter((n) => n !== JSON_FILE);
  for (const name of names) writeDurable(join(staging, name), files[name]);
  writeFileAtomic(join(staging, JSON_FILE), files[JSON_FILE]);
  syncDirectory(staging);
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dir)) renameSync(dir, old);
  renameSync(staging, dir);
  syncDirectory(join(dir, '..'));
  rmSync(old, { recursive: true, force: true });
}

/** The complete checkpoint directory standing for `dir` (itself, or what a killed save left), or null. */
export function resolveCheckpointDir(dir: string): string | null {
  if (existsSync(join(dir, JSON_FILE))) return dir;
  if (existsSync(dir)) return null;
  for (const candidate of [dir + NEW, dir + OLD]) if (existsSync(join(candidate, JSON_FILE))) return candidate;
  return null;
}

/** Saves `model` (and the training state, for a run in progress) as the checkpoint directory `dir`. */
export function saveCheckpoint(dir: string, model: CheckpointModel, info: CheckpointInfo = { step: 0 }, training?: TrainingCheckpoint): void {
  writeCheckpointFiles(dir, encodeCheckpoint(model, info, training));
}

/** Reads the checkpoint directory `dir` (resolved as above). */
export function loadCheckpointDir(dir: string, backend?: Backend): LoadedCheckpoint {
  const resolved = resolveCheckpointDir(dir);
  if (!resolved) throw new CheckpointError(`no checkpoint at ${dir}: pass a directory that "rnnkit train" wrote (it holds last/ and best/, or model.json)`);
  const read = (name: string): Uint8Array | null => {
    const path = join(resolved, name);
    if (!existsSync(path)) return null;
    try {
      return readFileSync(path);
    } catch (e) {
      throw new CheckpointError(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
  };
  return decodeCheckpoint(read, dir, modelKind, backend);
}

export type Which = 'best' | 'last';

/**
 * Loads a checkpoint from `path`: a checkpoint directory (holding model.json), or a run directory,
 * of which `which` is taken (default: best, or last when the run has no best yet).
 */
export function loadCheckpoint(path: string, options: { backend?: Backend; which?: Which } = {}): LoadedCheckpoint & { dir: string } {
  const dir = existsSync(path) && statSync(path).isFile() ? join(path, '..') : path;
  if (resolveCheckpointDir(dir)) {
    if (options.which !== undefined) throw new CheckpointError(`${dir} is a single checkpoint, not a run directory with last/ and best/`);
    return { ...loadCheckpointDir(dir, options.backend), dir };
  }
  const run = new RunDirectory(dir);
  const order: Which[] = options.which ? [options.which] : ['best', 'last'];
  for (const which of order) {
    const found = resolveCheckpointDir(run.path(which));
    if (found) return { ...loadCheckpointDir(run.path(which), options.backend), dir: run.path(which) };
  }
  const what = options.which ? `no ${options.which}/ checkpoint in ${dir}` : `no checkpoint at ${dir}`;
  throw new CheckpointError(`${what}: pass a directory that "rnnkit train" wrote (it holds last/ and best/, or model.json)`);
}

/** A training run's directory: `last/`, `best/`, `report.html`. */
export class RunDirectory {
  constructor(readonly dir: string) {}

  path(which: Which): string {
    return join(this.dir, which);
  }

  /** Whether a run (or a single checkpoint) is there already. */
  holdsRun(): boolean {
    return resolveCheckpointDir(this.dir) !== null || (['last', 'best'] as const).some((w) => resolveCheckpointDir(this.path(w)) !== null);
  }

  /** Creates the directory if needed and proves it writable, before any training is spent. */
  checkWritable(): void {
    const probe = join(this.dir, `.write-test.tmp-${process.pid}`);
    try {
      makeDirectories(this.dir);
      writeDurable(probe, '');
      unlinkSync(probe);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new OutputError(`cannot write to ${this.dir} (${err.code ?? err.message}): choose another --out directory`);
    }
  }

  /**
   * Finishes what a killed save left (a checkpoint found only as `.new` / `.old` takes its place)
   * and removes stale temporaries.
   */
  recover(): void {
    if (!existsSync(this.dir)) return;
    for (const which of ['last', 'best'] as const) {
      const dir = this.path(which);
      const found = resolveCheckpointDir(dir);
      if (found && found !== dir) {
        rmSync(dir, { recursive: true, force: true });
        renameSync(found, dir);
      }
      rmSync(dir + NEW, { recursive: true, force: true });
      rmSync(dir + OLD, { recursive: true, force: true });
    }
    for (const name of readdirSync(this.dir)) if (TMP.test(name)) rmSync(join(this.dir, name), { force: true });
  }

  /**
   * Claims the directory for one training process (`DIR/lock` holds its pid); a lock whose process
   * is gone (killed) is taken over. Returns the release function.
   */
  lock(): () => void {
    const path = join(this.dir, LOCK);
    for (;;) {
      try {
        writeFileSync(path, String(process.pid), { flag: 'wx' });
        return () => rmSync(path, { force: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const pid = Number(readFileSync(path, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new OutputError(`${this.dir} is in use by another training process (pid ${pid}): wait for it, or stop it`);
      }
      rmSync(path, { force: true });
    }
  }

  /** Removes a previous run's checkpoints and report (for `--force`); the directory stays. */
  clear(): void {
    for (const name of ['last', 'best', 'report.html', JSON_FILE, 'model.safetensors', 'training.safetensors']) {
      for (const suffix of ['', NEW, OLD]) rmSync(join(this.dir, name + suffix), { recursive: true, force: true });
    }
  }

  save(which: Which, model: CheckpointModel, info: CheckpointInfo, training?: TrainingCheckpoint): void {
    saveCheckpoint(this.path(which), model, info, training);
  }

  writeReport(html: string): void {
    writeFileAtomic(join(this.dir, 'report.html'), html);
  }
}
