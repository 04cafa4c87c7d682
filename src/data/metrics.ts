/**
 * Evaluation metrics of the sequence tasks, all as fractions in [0, 1]: accuracy and the confusion
 * matrix (classify), token accuracy, per-tag precision / recall / F1 and entity-level F1 of BIO tags
 * by the CoNLL rules (tag), word and phoneme error rates and exact match (seq2seq).
 */

/** counts[gold][predicted] over `labels`. */
export function confusionMatrix(gold: readonly number[], predicted: readonly number[], classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  gold.forEach((g, i) => m[g][predicted[i]]++);
  return m;
}

export interface PRF {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

function prf(truePositive: number, predicted: number, actual: number): PRF {
  const precision = predicted > 0 ? truePositive / predicted : 0;
  const recall = actual > 0 ? truePositive / actual : 0;
  return { precision, recall, f1: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0, support: actual };
}

/** Precision, recall and F1 of every label (one-vs-rest) from gold / predicted label sequences. */
export function perLabelScores(gold: readonly string[], predicted: readonly string[]): Record<string, PRF> {
  const labels = [...new Set([...gold, ...predicted])].sort();
  return Object.fromEntries(labels.map((l) => {
    let tp = 0, p = 0, a = 0;
    gold.forEach((g, i) => {
      if (g === l) a++;
      if (predicted[i] === l) p++;
      if (g === l && predicted[i] === l) tp++;
    });
    return [l, prf(tp, p, a)];
  }));
}

/** Tags that read as BIO / IOB: every tag is O, or B-X / I-X (also E-, S- of IOBES). */
export function isBio(tags: Iterable<string>): boolean {
  let any = false;
  for (const t of tags) {
    if (t !== 'O' && !/^[BIES]-./.test(t)) return false;
    if (t !== 'O') any = true;
  }
  return any;
}

/**
 * Entity chunks (type, start, end exclusive) of a BIO tag sequence as conlleval reads them: a chunk
 * starts at B-X, at S-X, or at I-X / E-X not continuing a chunk of type X; it ends before O,
 * B-, S-, or a tag of another type, and after E-X / S-X.
 */
export function chunks(tags: readonly string[]): string[] {
  const out: string[] = [];
  let type: string | null = null, start = 0;
  const close = (end: number) => {
    if (type !== null) out.push(`${type}:${start}:${end}`);
    type = null;
  };
  tags.forEach((tag, i) => {
    const prefix = tag === 'O' ? 'O' : tag[0];
    const t = tag === 'O' ? null : tag.slice(2);
    if (prefix === 'O') return close(i);
    if (prefix === 'B' || prefix === 'S' || t !== type) {
      close(i);
      type = t;
      start = i;
    }
    if (prefix === 'E' || prefix === 'S') close(i + 1);
  });
  close(tags.length);
  return out;
}

/** Entity-level precision / recall / F1 over sentences (an entity counts when type and span both match). */
export function entityScores(gold: readonly (readonly string[])[], predicted: readonly (readonly string[])[]): PRF {
  let tp = 0, p = 0, a = 0;
  gold.forEach((g, i) => {
    const want = new Set(chunks(g));
    const got = chunks(predicted[i]);
    a += want.size;
    p += got.length;
    for (const c of got) if (want.has(c)) tp++;
  });
  return prf(tp, p, a);
}

/** Levenshtein distance between two token sequences. */
export function editDistance<T>(a: readonly T[], b: readonly T[]): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = keep;
    }
  }
  return d[b.length];
}

export interface TranslationScores {
  /** Outputs that are none of their source's references. */
  wer: number;
  /** Σ min edit distance to a reference / Σ that reference's length (the closest one). */
  per: number;
  /** 1 − wer. */
  exact_match: number;
  count: number;
}

/**
 * Word error rate, phoneme (token) error rate and exact match of outputs against each source's
 * references, as torch_g2p.py defines them: for each source, the reference closest in edit
 * distance (the first on ties) gives its errors and length.
 */
export function translationScores(outputs: readonly (readonly string[])[], references: readonly (readonly (readonly string[])[])[]): TranslationScores {
  let wrong = 0, errors = 0, length = 0;
  outputs.forEach((hyp, i) => {
    const refs = references[i];
    let best = refs[0], bestDistance = editDistance(hyp, best);
    for (const r of refs.slice(1)) {
      const d = editDistance(hyp, r);
      if (d < bestDistance) [best, bestDistance] = [r, d];
    }
    if (!refs.some((r) => r.length === hyp.length && r.every((x, j) => x === hyp[j]))) wrong++;
    errors += bestDistance;
    length += best.length;
  });
  const n = outputs.length;
  return { wer: n > 0 ? wrong / n : 0, per: length > 0 ? errors / length : 0, exact_match: n > 0 ? 1 - wrong / n : 0, count: n };
}
