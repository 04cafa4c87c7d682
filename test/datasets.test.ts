/**
 * The built-in datasets follow their documented rules (cmudict exactly as torch_g2p.py), user files
 * parse with `file:line:` errors, and the metrics follow their definitions (CoNLL chunking included).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fnv1a32, universalTag } from '../src/data/builtin.ts';
import { FORMATS, generateDates } from '../src/data/dates.ts';
import { DataFormatError, parseConll, parseJsonl, parseTwoColumns } from '../src/data/formats.ts';
import { chunks, confusionMatrix, editDistance, entityScores, isBio, perLabelScores, translationScores } from '../src/data/metrics.ts';
import { loadSequenceDataset, type Pair } from '../src/node/datasets.ts';
import type { LabeledText, Split, TaggedSentence } from '../src/data/builtin.ts';

const NER = join(import.meta.dirname, 'fixtures', 'data', 'ner.conll');

describe('built-in datasets', () => {
  test('cmudict: the split of torch_g2p.py (111,536 / 6,147 / 6,191 words, 119,086 training pairs, 39 phones)', async () => {
    assert.equal(fnv1a32(''), 0x811c9dc5);
    assert.equal(fnv1a32('a'), 0xe40c292c);
    const d = await loadSequenceDataset('cmudict', 'seq2seq');
    const split = d.split as Split<Pair>;
    const words = (pairs: Pair[]) => new Set(pairs.map((p) => p.source)).size;
    assert.deepEqual([words(split.train), words(split.dev), words(split.test)], [111536, 6147, 6191]);
    assert.equal(split.train.length, 119086);
    assert.equal(new Set(split.train.flatMap((p) => p.target.split(' '))).size, 39);
    for (const p of split.test.slice(0, 200)) assert.equal(fnv1a32(p.source) % 20, 0);
    assert.ok(split.train.every((p) => /^[a-z']+$/.test(p.source) && !/\d/.test(p.target)));
  });

  test('dates: ≥ 12 formats, test days never in training, two-digit years only for 1969–2068, seeded', () => {
    assert.ok(FORMATS.length >= 12);
    const { train, dev, test: held } = generateDates(0, 20_000);
    assert.equal(held.length, 2000);
    assert.equal(dev.length, 1000);
    const trainDays = new Set(train.map((p) => p.target));
    assert.ok(held.every((p) => !trainDays.has(p.target)) && dev.every((p) => !trainDays.has(p.target)));
    assert.ok(held.every((p) => /^(19|20)\d\d-\d\d-\d\d$/.test(p.target)));
    for (const p of train) {
      const m = /^(\d\d)\/(\d\d)\/(\d\d)$/.exec(p.source);
      if (m) assert.equal(p.target, `${Number(m[3]) >= 69 ? 19 : 20}${m[3]}-${m[1]}-${m[2]}`);
    }
    assert.ok(train.some((p) => /^[A-Z0-9 ,/.-]+$/.test(p.source) && /[A-Z]/.test(p.source)), 'upper case appears');
    assert.deepEqual(generateDates(0, 100).test.slice(0, 5), held.slice(0, 5));
    assert.notDeepEqual(generateDates(1, 100).test.slice(0, 5), held.slice(0, 5));
  });

  test('names-gender and surnames: one label per name, the seeded split is a partition', async () => {
    for (const name of ['names-gender', 'surnames']) {
      const d = await loadSequenceDataset(name, 'classify', 3);
      const s = d.split as Split<LabeledText>;
      const all = [...s.train, ...s.dev, ...s.test];
      const labelsOf = new Map<string, Set<string>>();
      for (const e of all) labelsOf.set(e.text, (labelsOf.get(e.text) ?? new Set()).add(e.label));
      assert.ok([...labelsOf.values()].every((l) => l.size === 1), `${name}: a name with two labels`);
      assert.equal(labelsOf.size, all.length, `${name}: a name listed twice`);
      assert.ok(Math.abs(s.test.length / all.length - 0.1) < 0.01);
      if (name === 'surnames') {
        const per = new Map<string, number>();
        for (const e of all) per.set(e.label, (per.get(e.label) ?? 0) + 1);
        assert.ok(per.size >= 10 && [...per.values()].every((n) => n >= 100), JSON.stringify([...per]));
      }
    }
  });

  test('brown-pos: 12 universal tags, split by document', async () => {
    assert.deepEqual(['nn-tl', 'np$', 'vbd', 'pp$', 'pps+bez', 'fw-nn', '*', "''", 'ql', 'cs'].map(universalTag),
      ['NOUN', 'NOUN', 'VERB', 'DET', 'PRON', 'X', 'ADV', '.', 'ADV', 'ADP']);
    const d = await loadSequenceDataset('brown-pos', 'tag');
    const s = d.split as Split<TaggedSentence>;
    const tags = new Set(s.train.flatMap((x) => x.tags));
    assert.deepEqual([...tags].sort(), ['.', 'ADJ', 'ADP', 'ADV', 'CONJ', 'DET', 'NOUN', 'NUM', 'PRON', 'PRT', 'VERB', 'X']);
    assert.ok(s.train.length > 40_000 && s.test.length > 4_000);
  });

  test('a dataset of another task, or a missing file, is refused with the choices', async () => {
    await assert.rejects(loadSequenceDataset('cmudict', 'classify'), /--data: expected a dataset for --task classify \(cmudict serves seq2seq\)/);
    await assert.rejects(loadSequenceDataset('no/such.tsv', 'classify'), /names-gender, surnames or the path of a data file/);
  });
});

describe('user files', () => {
  test('TSV, CSV with quotes, JSONL and CoNLL parse; malformed lines are file:line errors', () => {
    assert.deepEqual(parseTwoColumns('good movie\tpos\n\nbad\tneg\n', 'a.tsv', '\t', ['text', 'label']), [['good movie', 'pos'], ['bad', 'neg']]);
    assert.deepEqual(parseTwoColumns('"a, b",x\n"say ""hi""",y\n', 'a.csv', ',', ['text', 'label']), [['a, b', 'x'], ['say "hi"', 'y']]);
    assert.throws(() => parseTwoColumns('ok\tpos\nno label here\n', 'r.tsv', '\t', ['text', 'label']),
      (e: Error) => e instanceof DataFormatError && /^r\.tsv:2: expected two fields text<TAB>label, got 1 field\(s\): "no label here"$/.test(e.message));
    assert.throws(() => parseTwoColumns('"open,x\n', 'q.csv', ',', ['text', 'label']), /q\.csv:1: expected two fields text,label/);
    assert.deepEqual(parseJsonl('{"text": "hi", "label": 1}\n', 'd.jsonl'), [{ text: 'hi', label: '1' }]);
    assert.throws(() => parseJsonl('{"text": "hi"}\n{oops\n', 'd.jsonl'), /d\.jsonl:1: expected a JSON object with a string "text"/);
    assert.throws(() => parseConll('a B-X\nlonely\n', 'n.conll'), /n\.conll:2: expected a token and its tag/);
    const ner = parseConll('-DOCSTART- O\n\nAnna X B-PER\nsleeps X O\n\nOslo X B-LOC\n', 'n.conll');
    assert.deepEqual(ner, [{ tokens: ['Anna', 'sleeps'], tags: ['B-PER', 'O'] }, { tokens: ['Oslo'], tags: ['B-LOC'] }]);
  });

  test('the NER test file loads as a tag dataset with BIO tags', async () => {
    const d = await loadSequenceDataset(NER, 'tag', 0);
    const s = d.split as Split<TaggedSentence>;
    assert.equal(s.train.length + s.dev.length + s.test.length, 32);
    assert.ok(isBio(s.train.flatMap((x) => x.tags)));
  });

  test('a file too small to split is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rnnkit-'));
    writeFileSync(join(dir, 'two.tsv'), 'a\tx\nb\ty\n');
    return assert.rejects(loadSequenceDataset(join(dir, 'two.tsv'), 'classify'), /two\.tsv:1: expected at least 3 records/);
  });
});

describe('metrics', () => {
  test('CoNLL chunks: B starts, I continues the same type, a stray I starts a chunk', () => {
    assert.deepEqual(chunks(['B-PER', 'I-PER', 'O', 'I-LOC', 'I-LOC', 'B-LOC', 'I-ORG']), ['PER:0:2', 'LOC:3:5', 'LOC:5:6', 'ORG:6:7']);
    const s = entityScores([['B-PER', 'I-PER', 'O', 'B-LOC']], [['B-PER', 'O', 'O', 'B-LOC']]);
    assert.deepEqual([s.precision, s.recall, s.f1], [0.5, 0.5, 0.5]);
    assert.ok(!isBio(['NOUN', 'VERB']));
  });

  test('per-label scores, confusion matrix, edit distance, WER/PER with several references', () => {
    const scores = perLabelScores(['a', 'a', 'b', 'b'], ['a', 'b', 'b', 'b']);
    assert.deepEqual(scores.a, { precision: 1, recall: 0.5, f1: 2 / 3, support: 2 });
    assert.deepEqual(confusionMatrix([0, 0, 1], [0, 1, 1], 2), [[1, 1], [0, 1]]);
    assert.equal(editDistance([...'kitten'], [...'sitting']), 3);
    const t = translationScores([['K', 'AE', 'T'], ['D', 'AO']], [[['K', 'AE', 'T']], [['D', 'AO', 'G'], ['D', 'AA', 'G']]]);
    assert.deepEqual(t, { wer: 0.5, per: 1 / 6, exact_match: 0.5, count: 2 });
  });
});
