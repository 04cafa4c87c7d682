/**
 * W4 (shared/bench/README.md): a training step of the G2P attentional encoder–decoder of
 * torch_g2p.py --w4 — bi-LSTM encoder 2×128, LSTM decoder 256, Luong "general" attention, teacher
 * forcing, mean cross-entropy over the real target tokens, clip 5, Adam lr 1e-3 — on one fixed
 * batch of 64 random pairs whose source and target lengths are drawn from 4…16 (28 source ids with
 * pad 0, 42 target ids; real tokens drawn from 1…27 and 3…41 as there).
 */
import { Random } from '../../src/tensor/random.ts';
import { G2P_CONFIG, Seq2Seq, type PairBatch } from '../../src/models/seq2seq.ts';
import { trainingRunner, type Workload } from '../workload.ts';

const [B, SOURCE_IDS, TARGET_IDS] = [64, 28, 42];

/** Time-major ids: row b holds `lengths[b]` draws from [low, high), then pad 0. */
function randomPadded(lengths: Int32Array, low: number, high: number, rng: Random): { ids: Int32Array; T: number } {
  const T = Math.max(...lengths);
  const ids = new Int32Array(T * lengths.length);
  for (let t = 0; t < T; t++) {
    for (let b = 0; b < lengths.length; b++) ids[t * lengths.length + b] = t < lengths[b] ? low + rng.nextInt(high - low) : 0;
  }
  return { ids, T };
}

export const workload: Workload = {
  id: 'W4',
  title: 'G2P attentional encoder–decoder step (64 pairs, lengths 4…16)',
  metric: 'sequences_per_s',
  unit: 'sequences/s',
  warmupSteps: 3,
  anchor: { script: 'bench/torch_g2p.py', args: ['--w4'] },
  create(backend) {
    const rng = new Random(1);
    const model = new Seq2Seq({ ...G2P_CONFIG, sourceVocabSize: SOURCE_IDS, targetVocabSize: TARGET_IDS }, { backend, rng });
    const srcLengths = Int32Array.from({ length: B }, () => 4 + rng.nextInt(13));
    const src = randomPadded(srcLengths, 1, SOURCE_IDS, rng);
    const tgtLengths = Int32Array.from({ length: B }, () => 4 + rng.nextInt(13));
    const tgtIn = randomPadded(tgtLengths, 3, TARGET_IDS, rng), tgtOut = randomPadded(tgtLengths, 3, TARGET_IDS, rng);
    const batch: PairBatch = { src: src.ids, srcLengths, tgtIn: tgtIn.ids, tgtOut: tgtOut.ids, tgtLengths, S: src.T, T: tgtIn.T, B };
    return trainingRunner(model, 1e-3, B, () => model.loss(batch), 5);
  },
};
