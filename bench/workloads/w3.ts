/** W3: a many-to-one classifier over variable lengths (shared/bench/README.md). */
import type { Backend } from '../../src/backend/backend.ts';
import { Tensor } from '../../src/tensor/tensor.ts';
import { Random } from '../../src/tensor/random.ts';
import { reshape } from '../../src/ops/basic.ts';
import { concat, slice } from '../../src/ops/shape.ts';
import { crossEntropy } from '../../src/ops/softmax.ts';
import { Module } from '../../src/nn/module.ts';
import { Embedding, Linear } from '../../src/nn/layers.ts';
import { GRU } from '../../src/nn/rnn.ts';
import { SEED, randomIds, trainingRunner, type Workload } from '../workload.ts';

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
export const workload: Workload = {
  id: 'W3',
  title: 'bidirectional-GRU classifier step (64 sequences of lengths 3…16)',
  metric: 'sequences_per_s',
  unit: 'sequences/s',
  warmupSteps: 3,
  anchor: { script: 'bench/torch_bench.py', args: ['W3'] },
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
