/** Checks one teacher-forced batch of the G2P encoder–decoder: loss, attention weights, every parameter gradient. */
import assert from 'node:assert/strict';
import type { Backend } from '../../src/backend/backend.ts';
import { tidy } from '../../src/tensor/tensor.ts';
import { backward } from '../../src/autograd/tape.ts';
import { Seq2Seq, type PairBatch } from '../../src/models/seq2seq.ts';
import type { AttentionKind } from '../../src/nn/attention.ts';
import { assertClose, field, relativeError, TOLERANCE, type Case, type RefTensor } from './cases.ts';

export function checkSeq2SeqStep(c: Case, backend: Backend): void {
  const model = new Seq2Seq({
    sourceVocabSize: field<number>(c, 'source_vocab'), targetVocabSize: field<number>(c, 'target_vocab'), cell: 'lstm',
    embeddingSize: field<number>(c, 'embedding_size'), encoderHidden: field<number>(c, 'encoder_hidden'), encoderLayers: 1,
    bidirectional: true, decoderHidden: field<number>(c, 'decoder_hidden'), decoderLayers: 1,
    attention: field<AttentionKind>(c, 'attention'),
  }, { backend });
  model.loadStateDict(field<Record<string, RefTensor>>(c, 'params'));
  const src = field<RefTensor>(c, 'src'), tgtIn = field<RefTensor>(c, 'tgt_in'), tgtOut = field<RefTensor>(c, 'tgt_out');
  const [S, B] = src.shape, T = tgtIn.shape[0];
  const batch: PairBatch = {
    src: Int32Array.from(src.data), srcLengths: Int32Array.from(field<number[]>(c, 'src_lengths')),
    tgtIn: Int32Array.from(tgtIn.data), tgtOut: Int32Array.from(tgtOut.data), tgtLengths: Int32Array.from(field<number[]>(c, 'tgt_lengths')),
    S, T, B,
  };
  tidy(() => {
    const encoded = model.encode(batch.src, S, batch.srcLengths);
    // Like PyTorch's, this decoder runs over the padding too (model.loss stops each row at its length).
    const { weights } = model.decode(batch.tgtIn, T, encoded, encoded.h, encoded.c);
    assertClose('attention weights', weights.f32, weights.shape, field<RefTensor>(c, 'attention_weights'));
    const loss = model.loss(batch);
    assert.ok(relativeError([loss.item()], [field<number>(c, 'loss')]) <= TOLERANCE, `loss ${loss.item()} vs ${field<number>(c, 'loss')}`);
    backward(loss);
  });
  const grads = field<Record<string, RefTensor>>(c, 'grads');
  const params = model.stateDict();
  assert.deepEqual(Object.keys(params).sort(), Object.keys(grads).sort(), 'parameter names');
  for (const [name, p] of Object.entries(params)) {
    assert.ok(p.grad, `${name}: no gradient`);
    assertClose(`grad ${name}`, p.grad.f32, p.shape, grads[name]);
  }
}
