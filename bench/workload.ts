/**
 * What a benchmark workload is (one file per workload in bench/workloads/, found by name: w1.ts …),
 * the pieces several of them share, and the timing loop that measures one on one backend. Every
 * training step runs inside `tidy()` so the memory of a step is released when it ends.
 */
import { readdirSync } from 'node:fs';
import type { Backend } from '../src/backend/backend.ts';
import { Tensor, tidy, zeros } from '../src/tensor/tensor.ts';
import type { Random } from '../src/tensor/random.ts';
import { backward } from '../src/autograd/tape.ts';
import type { Module } from '../src/nn/module.ts';
import { Adam, clipGradNorm } from '../src/optim/index.ts';

/** One workload on one backend: `step()` processes `itemsPerStep` tokens or sequences. */
export interface Runner {
  readonly itemsPerStep: number;
  step(): void;
}

export interface Workload {
  /** 'W1', … (shared/bench/README.md) */
  readonly id: string;
  /** What one step is, for the table's legend. */
  readonly title: string;
  /** The JSON key of the rate, in rnnkit's rows and in the anchor's output. */
  readonly metric: string;
  /** The rate's unit in the table, e.g. 'tokens/s'. */
  readonly unit: string;
  readonly warmupSteps: number;
  /** Steps per timed repetition; absent: as many as take about REP_SECONDS (at least 1). */
  readonly stepsPerRep?: number;
  /**
   * The anchor: a Python script of bench/ printing JSON lines with `metric` (and `impl`), run
   * with `--threads N` and OPENBLAS_NUM_THREADS in each configuration of the PyTorch grid.
   */
  readonly anchor?: { script: string; args: string[] };
  create(backend: Backend): Runner;
}

/** Target length of a repetition when a workload does not fix its step count. */
const REP_SECONDS = 1;
export const SEED = 0;

/** The W1/W2 character LM: Embedding(84→64) → LSTM(64→256, 2 layers) → Linear(256→84). */
export const CHAR_LM = { cell: 'lstm', vocabSize: 84, embeddingSize: 64, hiddenSize: 256, numLayers: 2 } as const;

/** Uniformly random int32 ids in [0, vocab) of the given shape. */
export function randomIds(shape: number[], vocab: number, rng: Random, backend: Backend): Tensor {
  const ids = zeros(shape, { dtype: 'int32', backend });
  for (let i = 0; i < ids.size; i++) ids.data[i] = rng.nextInt(vocab);
  return ids;
}

/** Adam over a module's parameters; each step: zero grads, loss, backward, optional clip, update. */
export function trainingRunner(model: Module, lr: number, itemsPerStep: number, loss: () => Tensor, maxNorm?: number): Runner {
  const params = model.parameters();
  const optimizer = new Adam(params, { lr });
  return {
    itemsPerStep,
    step: () => tidy(() => {
      optimizer.zeroGrad();
      backward(loss());
      if (maxNorm !== undefined) clipGradNorm(params, maxNorm);
      optimizer.step();
    }),
  };
}

const WORKLOAD_DIR = new URL('./workloads/', import.meta.url);

/** Every workload file of bench/workloads (w1.ts, w2.ts, …), in order of its number. */
export async function loadWorkloads(): Promise<Workload[]> {
  const files = readdirSync(WORKLOAD_DIR).filter((f) => /^w\d+\.ts$/.test(f));
  files.sort((a, b) => parseInt(a.slice(1), 10) - parseInt(b.slice(1), 10));
  return Promise.all(files.map(async (f) => (await import(new URL(f, WORKLOAD_DIR).href)).workload as Workload));
}

export interface Measurement {
  /** Items per second of each repetition. */
  rates: number[];
  stepsPerRep: number;
}

/** Warm-up, then `reps` timed repetitions of the workload on the backend. */
export function measure(workload: Workload, backend: Backend, reps: number): Measurement {
  const runner = workload.create(backend);
  let lastStepSeconds = 0;
  for (let i = 0; i < workload.warmupSteps; i++) lastStepSeconds = timeSteps(runner, 1);
  const stepsPerRep = workload.stepsPerRep ?? Math.max(1, Math.round(REP_SECONDS / lastStepSeconds));
  const rates = Array.from({ length: reps }, () => (stepsPerRep * runner.itemsPerStep) / timeSteps(runner, stepsPerRep));
  return { rates, stepsPerRep };
}

/** Seconds taken by `steps` steps. */
function timeSteps(runner: Runner, steps: number): number {
  const start = performance.now();
  for (let i = 0; i < steps; i++) runner.step();
  return (performance.now() - start) / 1000;
}
