import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  consecutiveWindows,
  paddedBatch,
  randomWindows,
  StreamBatcher,
  trainValidationSplit,
  type Windows,
} from '../src/data/batching.ts';
import { CharVocab } from '../src/data/vocab.ts';
import { loadCorpus } from '../src/node/corpora.ts';
import { BatchingError, CorpusError, VocabError, type CorpusErrorCode } from '../src/errors.ts';

/** Tokens 0, 1, 2, … so that a token's value is its position. */
const positions = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** Column b of a time-major window batch. */
function column(data: Int32Array, windows: Windows, b: number): number[] {
  return Array.from({ length: windows.steps }, (_, t) => data[t * windows.batch + b]);
}

/** A deterministic stand-in for the seeded PRNG. */
function counterRng() {
  let state = 12345;
  return {
    nextInt(n: number) {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    },
  };
}

describe('CharVocab', () => {
  test('sorts characters by code point and round-trips text, astral characters included', () => {
    const text = 'héllo wörld 𝄞 — ok';
    const vocab = CharVocab.fromText(text);
    assert.deepEqual(vocab.tokens, [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!));
    assert.ok(vocab.tokens.includes('𝄞'));
    assert.equal(vocab.size, new Set(text).size);
    assert.equal(vocab.decode(vocab.encode(text)), text);
    assert.equal(vocab.encode('𝄞').length, 1);
    assert.ok(vocab.has('ö') && !vocab.has('z'));
  });

  test('an unknown character throws a VocabError naming it', () => {
    const vocab = CharVocab.fromText('abc');
    assert.throws(() => vocab.encode('abz'), (error: Error) => error instanceof VocabError && /U\+007A "z"/.test(error.message));
    assert.throws(() => vocab.decode([3]), VocabError);
  });

  test('special tokens come first and wrap encoded names', () => {
    const vocab = CharVocab.fromText('annabob', { specials: ['<bos>', '<eos>'] });
    assert.deepEqual(vocab.tokens, ['<bos>', '<eos>', 'a', 'b', 'n', 'o']);
    const ids = vocab.encode('ann', { start: '<bos>', end: '<eos>' });
    assert.deepEqual([...ids], [0, 2, 4, 4, 1]);
    assert.equal(vocab.decode(ids), '<bos>ann<eos>');
    assert.throws(() => vocab.encode('<bos>'), VocabError, 'marker text is not parsed as a special token');
    assert.throws(() => vocab.encode('a', { end: '<pad>' }), VocabError);
    assert.throws(() => CharVocab.fromText('a.b', { specials: ['.'] }), VocabError);
  });

  test('toJSON / fromJSON round trip and validation', () => {
    const vocab = CharVocab.fromText('hello 𝄞', { specials: ['.'] });
    const restored = CharVocab.fromJSON(JSON.parse(JSON.stringify(vocab)));
    assert.deepEqual(restored.tokens, vocab.tokens);
    assert.deepEqual([...restored.encode('hello', { end: '.' })], [...vocab.encode('hello', { end: '.' })]);
    assert.throws(() => CharVocab.fromJSON({ type: 'word', specials: [], chars: [] }), VocabError);
    assert.throws(() => CharVocab.fromJSON({ type: 'char', specials: [], chars: ['ab'] }), VocabError);
    assert.throws(() => CharVocab.fromJSON({ type: 'char', specials: [], chars: ['a', 'a'] }), VocabError);
  });
});

describe('StreamBatcher', () => {
  test('each row walks its own contiguous stream, targets shifted by one', () => {
    const batcher = new StreamBatcher(positions(103), 4, 5); // L = 25, 4 windows per epoch
    assert.equal(batcher.streamLength, 25);
    assert.equal(batcher.windowsPerEpoch, 4);
    for (let w = 0; w < batcher.windowsPerEpoch; w++) {
      const window = batcher.next();
      assert.equal(window.resetState, w === 0);
      for (let b = 0; b < 4; b++) {
        const start = b * 25 + w * 5;
        assert.deepEqual(column(window.inputs, window, b), range(start, start + 5));
        assert.deepEqual(column(window.targets, window, b), range(start + 1, start + 6));
      }
    }
    const wrapped = batcher.next();
    assert.equal(wrapped.epoch, 1);
    assert.ok(wrapped.resetState);
    assert.equal(wrapped.inputs[0], 0);
  });

  test('resumes exactly from a saved state', () => {
    const tokens = positions(1000);
    const original = new StreamBatcher(tokens, 3, 7);
    for (let i = 0; i < 50; i++) original.next();
    const saved = JSON.parse(JSON.stringify(original.state()));
    const resumed = new StreamBatcher(tokens, 3, 7);
    resumed.restore(saved);
    for (let i = 0; i < 60; i++) assert.deepEqual(resumed.next(), original.next());
    assert.throws(() => new StreamBatcher(tokens, 3, 8).restore(saved), BatchingError);
    assert.throws(() => resumed.restore({ ...saved, window: 10_000 }), BatchingError);
  });

  test('a too-short text names both numbers', () => {
    assert.throws(
      () => new StreamBatcher(positions(100), 32, 64),
      (error: Error) => error instanceof BatchingError && /100 tokens/.test(error.message) && /batch 32 × seqLen 64/.test(error.message),
    );
  });
});

describe('window helpers', () => {
  test('random windows stay in range and line up with their targets', () => {
    const tokens = positions(200);
    const seqLen = 16;
    for (let i = 0; i < 50; i++) {
      const windows = randomWindows(tokens, 8, seqLen, counterRng());
      assert.equal(windows.inputs.length, 8 * seqLen);
      for (let b = 0; b < 8; b++) {
        const inputs = column(windows.inputs, windows, b);
        assert.ok(inputs[0] >= 0 && inputs[0] < tokens.length - seqLen - 1);
        assert.deepEqual(column(windows.targets, windows, b), inputs.map((x) => x + 1));
      }
    }
    assert.throws(() => randomWindows(positions(17), 1, 16, counterRng()), BatchingError);
  });

  test('consecutive windows match the anchor formula nw = (n - 1) // T', () => {
    for (const n of [65, 128, 129, 1000, 119032]) {
      const chunks = consecutiveWindows(positions(n), 64);
      const windowCount = chunks.reduce((sum, chunk) => sum + chunk.batch, 0);
      assert.equal(windowCount, Math.floor((n - 1) / 64));
      assert.ok(chunks.every((chunk) => chunk.batch <= 256 && chunk.steps === 64));
    }
    const [first, second] = consecutiveWindows(positions(1000), 10, 64);
    assert.deepEqual(column(first.inputs, first, 3), range(30, 40));
    assert.deepEqual(column(second.targets, second, 0), range(641, 651));
    assert.throws(() => consecutiveWindows(positions(10), 10), BatchingError);
  });

  test('padded batch keeps lengths and pads time-major', () => {
    const batch = paddedBatch([Int32Array.of(5, 6, 7), Int32Array.of(8), Int32Array.of(9, 10)], 0);
    assert.equal(batch.T, 3);
    assert.deepEqual([...batch.lengths], [3, 1, 2]);
    assert.deepEqual([...batch.tokens], [5, 8, 9, 6, 0, 10, 7, 0, 0]);
    assert.throws(() => paddedBatch([], 0), BatchingError);
  });

  test('train/validation split holds out the last 10 % like int(n * 0.9)', () => {
    const { train, validation } = trainValidationSplit(positions(1001));
    assert.equal(train.length, Math.floor(1001 * 0.9));
    assert.equal(validation[0], train.length);
    assert.equal(train.length + validation.length, 1001);
    assert.throws(() => trainValidationSplit(positions(5), 1), BatchingError);
  });
});

describe('loadCorpus', () => {
  let folder = '';
  before(async () => {
    folder = await mkdtemp(join(tmpdir(), 'rnnkit-corpora-'));
  });
  after(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  test('Moby Dick: full text and its vocabulary', async () => {
    const corpus = await loadCorpus('moby-dick');
    assert.equal(corpus.kind, 'text');
    if (corpus.kind !== 'text') return;
    const vocab = CharVocab.fromText(corpus.text);
    console.log(`moby-dick: ${corpus.text.length} characters, vocabulary ${vocab.size}`);
    assert.equal(corpus.text.length, 1_190_317);
    assert.equal(vocab.size, 83);
    assert.ok(corpus.text.startsWith('CHAPTER 1. Loomings.'));
  });

  test('names: female and male first names, deduplicated and sorted', async () => {
    const corpus = await loadCorpus('names');
    assert.equal(corpus.kind, 'sequences');
    if (corpus.kind !== 'sequences') return;
    console.log(`names: ${corpus.sequences.length} names`);
    assert.equal(new Set(corpus.sequences).size, corpus.sequences.length);
    assert.deepEqual(corpus.sequences, [...corpus.sequences].sort());
    assert.ok(corpus.sequences.includes('Aaron') && corpus.sequences.includes('Abagael'));
    assert.ok(corpus.sequences.every((name) => name.length > 0 && !name.includes('\n')));
  });

  test('a text file and a folder of text files in sorted order', async () => {
    const books = join(folder, 'books');
    await mkdir(books);
    await writeFile(join(books, 'b.txt'), 'second ');
    await writeFile(join(books, 'a.txt'), 'first ');
    await writeFile(join(books, 'c.bin'), Buffer.from([1, 0, 2]));
    await writeFile(join(books, '.hidden'), 'skipped');
    assert.deepEqual(await loadCorpus(join(books, 'a.txt')), { kind: 'text', source: join(books, 'a.txt'), text: 'first ' });
    assert.deepEqual(await loadCorpus(books), { kind: 'text', source: books, text: 'first second ' });
  });

  async function assertCorpusError(spec: string, code: CorpusErrorCode): Promise<void> {
    await assert.rejects(loadCorpus(spec), (error: Error) => {
      assert.ok(error instanceof CorpusError, `expected a CorpusError, got ${error}`);
      assert.equal(error.code, code);
      assert.ok(!error.message.includes('\n') && error.message.includes(': '), `one line saying what to do: ${error.message}`);
      return true;
    });
  }

  test('every error path is a typed, one-line CorpusError', async () => {
    await assertCorpusError(join(folder, 'does-not-exist.txt'), 'missing-path');
    await writeFile(join(folder, 'empty.txt'), '');
    await assertCorpusError(join(folder, 'empty.txt'), 'empty-file');
    await writeFile(join(folder, 'nul.txt'), Buffer.from('abc\0def'));
    await assertCorpusError(join(folder, 'nul.txt'), 'binary-file');
    await writeFile(join(folder, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9]));
    await assertCorpusError(join(folder, 'latin1.txt'), 'binary-file');
    const binaries = join(folder, 'binaries');
    await mkdir(binaries);
    await writeFile(join(binaries, 'image.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]));
    await assertCorpusError(binaries, 'no-text-files');
  });
});
