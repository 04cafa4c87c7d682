/**
 * W2: the W1 model sampling one token per step with batch 1, temperature 0.8, the drawn token fed
 * back, state carried (the Stepper path `rnnkit sample` uses).
 */
import { Random } from '../../src/tensor/random.ts';
import { CharLMNet } from '../../src/models/charlm-net.ts';
import { Stepper } from '../../src/models/stepper.ts';
import { sampleNext } from '../../src/sampling/index.ts';
import { CHAR_LM, SEED, type Workload } from '../workload.ts';

export const workload: Workload = {
  id: 'W2',
  title: 'sampling one token at a time',
  metric: 'tokens_per_s',
  unit: 'tokens/s',
  warmupSteps: 50,
  stepsPerRep: 2000,
  anchor: { script: 'bench/torch_bench.py', args: ['W2'] },
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
