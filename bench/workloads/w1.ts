/** W1: a training step of the char LM on 32 × 64 random tokens, clip 5, Adam lr 2e-3. */
import { Random } from '../../src/tensor/random.ts';
import { CharLMNet } from '../../src/models/charlm-net.ts';
import { CHAR_LM, SEED, randomIds, trainingRunner, type Workload } from '../workload.ts';

export const workload: Workload = {
  id: 'W1',
  title: 'char-LM training step (32 × 64 tokens)',
  metric: 'tokens_per_s',
  unit: 'tokens/s',
  warmupSteps: 1,
  anchor: { script: 'bench/torch_bench.py', args: ['W1'] },
  create(backend) {
    const [T, B] = [64, 32];
    const rng = new Random(SEED);
    const net = new CharLMNet({ ...CHAR_LM, backend, rng });
    const ids = randomIds([T, B], CHAR_LM.vocabSize, rng, backend);
    const targets = randomIds([T, B], CHAR_LM.vocabSize, rng, backend);
    return trainingRunner(net, 2e-3, T * B, () => net.loss(ids, targets), 5);
  },
};
