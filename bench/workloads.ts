/**
 * The benchmark workloads of shared/bench/README.md built from rnnkit's public pieces, and the
 * timing loop that measures one of them on one backend. Every step runs inside `tidy()` so the
 * memory of a step is released when it ends.
 */
import type { Backend } from '../src/backend/backend.ts';
import { Tensor, tidy, zeros } from '../src/tensor/tensor.ts';
import { Random } from '../src/tensor/random.ts';
import { backward } from '../src/autograd/tape.ts';
import { reshape } from '../src/ops/basic.ts';
import { concat, slice } from '../src/ops/shape.ts';
import { crossEntropy } from '../src/ops/softmax.ts';
import { Module } from '../src/nn/module.ts';
import { Embedding, Linear } from '../src/nn/layers.ts';
import { GRU } from '../src/nn/rnn.ts';
import { CharLMNet } from '../src/models/charlm-net.ts';
import { Adam, clipGradNorm } from '../src/optim/index.ts';
import { sampleNext } from '../src/sampling/index.ts';
import { Stepper } from '../src/models/stepper.ts';
import { W4 } from './w4.ts';

export type WorkloadId = 'W1' | 'W2' | 'W3' | 'W4';
export const WORKLOAD_IDS: readonly WorkloadId[] = ['W1', 'W2', 'W3', 'W4'];

/** One workload on one backend: `step()` processes `itemsPerStep` tokens or sequences. */
export interface Runner {
  readonly itemsPerStep: number;
  step(): void;
}

export interface Workload {
  readonly metric: 'tokens_per_s' | 'sequences_per_s';
  readonly warmupSteps: number;
  /** Steps per timed repetition; absent: as many as take about REP_SECONDS (at least 1). */
  readonly stepsPerRep?: number;
  create(backend: Backend): Runner;
}

/** Target length of a repetition when a workload does not fix its step count. */
const REP_SECONDS = 1;
const SEED = 0;

/** The W1/W2 character LM: Embedding(84→64) → LSTM(64→256, 2 layers) → Linear(256→84). */
const CHAR_LM = { cell: 'lstm', vocabSize: 84, embeddingSize: 64, hiddenSize: 256, numLayers: 2 } as const;

/** Uniformly random int32 ids in [0, vocab) of the given shape. */
function randomIds(shape: number[], vocab: number, rng: Random, backend: Backend): Tensor {
  const ids = zeros(shape, { dtype: 'int32', backend });
  for (let i = 0; i < ids.size; i++) ids.data[i] = rng.nextInt(vocab);
  return ids;
}

/** Adam over a module's parameters; each step: zero grads, loss, backward, optional clip, update. */
function trainingRunner(model: Module, lr: number, itemsPerStep: number, loss: () => Tensor, maxNorm?: number): Runner {
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

/** W1: a training step of the char LM on 32 × 64 random tokens, clip 5, Adam lr 2e-3. */
const W1: Workload = {
  metric: 'tokens_per_s',
  warmupSteps: 1,
  create(backend) {
    const [T, B] = [64, 32];
    const rng = new Random(SEED);
    const net = new CharLMNet({ ...CHAR_LM, backend, rng });
    const ids = randomIds([T, B], CHAR_LM.vocabSize, rng, backend);
    const targets = randomIds([T, B], CHAR_LM.vocabSize, rng, backend);
    return trainingRunner(net, 2e-3, T * B, () => net.loss(ids, targets), 5);
  },
};

/** W2: one token per step with batch 1, temperature 0.8, the drawn token fed back, state carried (the Stepper path `rnnkit sample` uses). */
const W2: Workload = {
  metric: 'tokens_per_s',
  warmupSteps: 50,
  stepsPerRep: 2000,
  create(backend) {
    const rng = new Random(SEED);
    const stepper = new Stepper(new CharLMNet({ ...CHAR_LM, backend, rng }).eval());
    let token = 0;
    return {
      itemsPerStep: 1,
      step() {
        token = sampleNext(stepper.step(token), { temperature: 0.8 }, rng);
      },
    };
  },
};

/** The W3 classifier: Embedding(60→32) → bidirectional GRU(32→128) → [h_fwd, h_bwd] → Linear(256→2). */
class BiGRUClassifier extends Module {
  readonly embedding: Embedding;
  readonly gru: GRU;
  readonly linear: Linear;

  constructor(backend: Backend, rng: Random) {
    super();
    this.embedding = this.submodule('embedding', new Embedding(60, 32, { backend, rng }));
    this.gru = this.submodule('gru', new GRU({ inputSize: 32, hiddenSize: 128, bidirectional: true, backend, rng }));
    this.linear = this.submodule('linear', new Linear(256, 2, { backend, rng }));
  }

  /** ids int32 [T, B] with per-sequence lengths → class logits [B, 2]. */
  forward(ids: Tensor, lengths: Int32Array): Tensor {
    const { hN } = this.gru.forward(this.embedding.forward(ids), { lengths });
    const B = ids.shape[1];
    const finalState = (direction: number) => reshape(slice(hN, 0, direction, direction + 1), [B, 128]);
    return this.linear.forward(concat([finalState(0), finalState(1)], 1));
  }
}

/** W3: a training step of the classifier on 64 random sequences of lengths 3…16 (T = 16), Adam. */
const W3: Workload = {
  metric: 'sequences_per_s',
  warmupSteps: 3,
  create(backend) {
    const [T, B] = [16, 64];
    const rng = new Random(SEED);
    const model = new BiGRUClassifier(backend, rng);
    const lengths = Int32Array.from({ length: B }, () => 3 + rng.nextInt(T - 2));
    const ids = randomIds([T, B], 60, rng, backend);
    const labels = randomIds([B], 2, rng, backend);
    return trainingRunner(model, 1e-3, B, () => crossEntropy(model.forward(ids, lengths), labels));
  },
};

export const WORKLOADS: Record<WorkloadId, Workload> = { W1, W2, W3, W4 };

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
