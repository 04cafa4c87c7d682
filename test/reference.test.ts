/**
 * Every PyTorch reference case on every available backend. An unknown case kind or a missing field
 * fails instead of being skipped. Run alone with `npm run test:reference`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCases, type Case } from './reference/cases.ts';
import { availableBackends } from './reference/backends.ts';
import { checkRnnLayer } from './reference/rnn-layer.ts';
import { checkCharLmAdam } from './reference/charlm-adam.ts';
import { checkOptimizers } from './reference/optimizers.ts';
import { checkSeedVanillaRnn } from './reference/seed-vanilla-rnn.ts';
import { checkSeq2SeqStep } from './reference/seq2seq-step.ts';
import { checkCrfNll } from './reference/crf-nll.ts';
import type { Backend } from '../src/backend/backend.ts';

const checkers: Record<string, (c: Case, backend: Backend) => void> = {
  rnn_layer: checkRnnLayer,
  charlm_adam: checkCharLmAdam,
  optimizers: checkOptimizers,
  seed_vanilla_rnn: checkSeedVanillaRnn,
  seq2seq_step: checkSeq2SeqStep,
  crf_nll: checkCrfNll,
};

const backends = await availableBackends();
for (const c of loadCases()) {
  for (const { label, backend } of backends) {
    test(`${c.name} [${label}]`, () => {
      const check = checkers[c.kind];
      assert.ok(check, `reference case ${c.name}: unknown kind "${c.kind}"`);
      check(c, backend);
    });
  }
}
