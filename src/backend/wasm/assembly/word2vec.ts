// Word2vec with negative sampling (skip-gram, CBOW): the algorithm of src/backend/reference/word2vec.ts,
// SIMD128 over the vector dimension. Threads share the vectors and update them without locks
// (Hogwild, as word2vec and gensim do); they claim jobs (chunk × epoch) from an atomic counter.
import { madd, splat } from './simd';

// The job's arguments, an int32 record the backend writes (ARG_* = word index; pointers are byte addresses;
// a thread's scratch is ARG_SCRATCH + slot · ARG_SCRATCH_BYTES).
const ARG_MODE = 0, ARG_CBOW_MEAN = 1, ARG_DIM = 2, ARG_WINDOW = 3, ARG_NEGATIVE = 4, ARG_INPUT = 5, ARG_OUTPUT = 6;
const ARG_TOKENS = 7, ARG_CHUNK_STARTS = 8, ARG_CHUNKS = 9, ARG_KEEP = 10, ARG_NOISE = 11, ARG_VOCAB = 12;
const ARG_ALPHAS = 13, ARG_SEEDS = 14, ARG_JOBS = 15, ARG_NEXT_JOB = 16, ARG_SIGMOID = 17, ARG_SCRATCH = 18, ARG_SCRATCH_BYTES = 19;
const ARG_LONGEST = 20, ARG_NOISE_GUIDE = 21;
/** Noise values per guide bucket: 2^15, so 2^16 buckets cover [0, 2^31). */
const NOISE_GUIDE_SHIFT: u32 = 15;
const MAX_EXP: f32 = 6;

@inline function arg(args: usize, i: i32): i32 {
  return load<i32>(args + <usize>i * 4);
}

@inline function lcg(r: u64): u64 {
  return (r * 25214903917 + 11) & 0xffffffffffff;
}

@inline function draw(r: u64): u32 {
  return <u32>(r >> 16);
}

// ⟨x, y⟩ over n floats (four independent sums, so that the multiply-adds overlap)
@inline function dot(x: usize, y: usize, n: i32): f32 {
  let acc0 = splat(0), acc1 = splat(0), acc2 = splat(0), acc3 = splat(0), i = 0;
  for (; i + 16 <= n; i += 16) {
    acc0 = madd(v128.load(x + 4 * i), v128.load(y + 4 * i), acc0);
    acc1 = madd(v128.load(x + 4 * i + 16), v128.load(y + 4 * i + 16), acc1);
    acc2 = madd(v128.load(x + 4 * i + 32), v128.load(y + 4 * i + 32), acc2);
    acc3 = madd(v128.load(x + 4 * i + 48), v128.load(y + 4 * i + 48), acc3);
  }
  for (; i + 4 <= n; i += 4) acc0 = madd(v128.load(x + 4 * i), v128.load(y + 4 * i), acc0);
  const s = f32x4.add(f32x4.add(acc0, acc1), f32x4.add(acc2, acc3));
  let sum = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
  for (; i < n; i++) sum += load<f32>(x + 4 * i) * load<f32>(y + 4 * i);
  return sum;
}

// y += x over n floats
@inline function addTo(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + 4 * i, f32x4.add(v128.load(y + 4 * i), v128.load(x + 4 * i)));
  for (; i < n; i++) store<f32>(y + 4 * i, load<f32>(y + 4 * i) + load<f32>(x + 4 * i));
}

// e += g·o;  o += g·v  (the error of one target, then its output row's update) over n floats
@inline function updateTarget(g: f32, v: usize, o: usize, e: usize, n: i32): void {
  const gv = splat(g);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const ov = v128.load(o + 4 * i);
    v128.store(e + 4 * i, madd(gv, ov, v128.load(e + 4 * i)));
    v128.store(o + 4 * i, madd(gv, v128.load(v + 4 * i), ov));
  }
  for (; i < n; i++) {
    const ov = load<f32>(o + 4 * i);
    store<f32>(e + 4 * i, load<f32>(e + 4 * i) + g * ov);
    store<f32>(o + 4 * i, ov + g * load<f32>(v + 4 * i));
  }
}

// x = 0 over n floats (a SIMD loop: memory.fill is an out-of-line call in V8)
@inline function zero(x: usize, n: i32): void {
  const z = splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + 4 * i, z);
  for (; i < n; i++) store<f32>(x + 4 * i, 0);
}

// First index with noise[index] ≥ value (bisect_left), searched between guide[value >> 15] and
// guide[(value >> 15) + 1], where guide[b] = bisect_left(noise, b << 15): the same index in a few steps.
@inline function noiseWord(noise: usize, guide: usize, value: u32): i32 {
  const bucket = <usize>(value >> NOISE_GUIDE_SHIFT);
  let lo = load<i32>(guide + bucket * 4), hi = load<i32>(guide + bucket * 4 + 4);
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (<u32>load<i32>(noise + <usize>mid * 4) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// Negative sampling for one input vector v towards `word`: error e = Σ g·output[t], output[t] += g·v.
// Returns the generator state.
function negativeSampling(args: usize, word: i32, v: usize, alpha: f32, r: u64, error: usize): u64 {
  const dim = arg(args, ARG_DIM), negative = arg(args, ARG_NEGATIVE), output = <usize>arg(args, ARG_OUTPUT);
  const noise = <usize>arg(args, ARG_NOISE), vocab = arg(args, ARG_VOCAB), sigmoid = <usize>arg(args, ARG_SIGMOID);
  const guide = <usize>arg(args, ARG_NOISE_GUIDE);
  const noiseTotal = <u32>load<i32>(noise + <usize>(vocab - 1) * 4);
  const scale: f32 = 1000 / (2 * MAX_EXP);
  zero(error, dim);
  for (let d = 0; d <= negative; d++) {
    let target = word;
    let label: f32 = 1;
    if (d > 0) {
      target = noiseWord(noise, guide, draw(r) % noiseTotal);
      r = lcg(r);
      if (target == word) continue;
      label = 0;
    }
    const row = output + <usize>target * <usize>dim * 4;
    const f = dot(v, row, dim);
    if (f <= -MAX_EXP || f >= MAX_EXP) continue;
    const g = (label - load<f32>(sigmoid + <usize>(<i32>((f + MAX_EXP) * scale)) * 4)) * alpha;
    updateTarget(g, v, row, error, dim);
  }
  return r;
}

// One job: subsample the chunk, shrink windows, train sentence by sentence.
function trainJob(args: usize, job: i32, scratch: usize, longest: i32): void {
  const dim = arg(args, ARG_DIM), window = arg(args, ARG_WINDOW), chunks = arg(args, ARG_CHUNKS);
  const input = <usize>arg(args, ARG_INPUT), tokens = <usize>arg(args, ARG_TOKENS), keep = <usize>arg(args, ARG_KEEP);
  const starts = <usize>arg(args, ARG_CHUNK_STARTS), seeds = <usize>arg(args, ARG_SEEDS);
  const cbow = arg(args, ARG_MODE) == 1, cbowMean = arg(args, ARG_CBOW_MEAN) != 0;
  const chunk = job % chunks;
  const kept = scratch, reduced = kept + <usize>longest * 4;
  const hidden = reduced + <usize>longest * 4, error = hidden + <usize>dim * 4;
  let r = (<u64><u32>load<i32>(seeds + <usize>job * 8) << 24) + <u64><u32>load<i32>(seeds + <usize>job * 8 + 4);

  let n = 0;
  const end = load<i32>(starts + <usize>(chunk + 1) * 4);
  for (let p = load<i32>(starts + <usize>chunk * 4); p < end; p++) {
    const w = load<i32>(tokens + <usize>p * 4);
    if (w >= 0 && keep != 0) {
      const d = draw(r);
      r = lcg(r);
      if (<u32>load<i32>(keep + <usize>w * 4) < d) continue;
    }
    store<i32>(kept + <usize>n * 4, w);
    n++;
  }
  for (let i = 0; i < n; i++) {
    if (load<i32>(kept + <usize>i * 4) < 0) continue;
    store<i32>(reduced + <usize>i * 4, <i32>(draw(r) % <u32>window));
    r = lcg(r);
  }

  const alpha = load<f32>(<usize>arg(args, ARG_ALPHAS) + <usize>job * 4);
  const rowBytes = <usize>dim * 4;
  for (let start = 0; start < n;) {
    let stop = start;
    while (stop < n && load<i32>(kept + <usize>stop * 4) >= 0) stop++;
    for (let i = start; i < stop; i++) {
      const b = load<i32>(reduced + <usize>i * 4);
      const from = max(start, i - window + b), to = min(stop, i + window + 1 - b);
      const word = load<i32>(kept + <usize>i * 4);
      if (!cbow) {
        for (let c = from; c < to; c++) {
          if (c == i) continue;
          const v = input + <usize>load<i32>(kept + <usize>c * 4) * rowBytes;
          r = negativeSampling(args, word, v, alpha, r, error);
          addTo(error, v, dim);
        }
        continue;
      }
      zero(hidden, dim);
      let count = 0;
      for (let c = from; c < to; c++) {
        if (c == i) continue;
        addTo(input + <usize>load<i32>(kept + <usize>c * 4) * rowBytes, hidden, dim);
        count++;
      }
      if (count == 0) continue;
      const inverse: f32 = 1 / <f32>count;
      if (cbowMean) scaleBy(hidden, inverse, dim);
      r = negativeSampling(args, word, hidden, alpha, r, error);
      if (!cbowMean) scaleBy(error, inverse, dim);
      for (let c = from; c < to; c++) {
        if (c != i) addTo(error, input + <usize>load<i32>(kept + <usize>c * 4) * rowBytes, dim);
      }
    }
    start = stop + 1;
  }
}

@inline function scaleBy(x: usize, a: f32, n: i32): void {
  const av = splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + 4 * i, f32x4.mul(v128.load(x + 4 * i), av));
  for (; i < n; i++) store<f32>(x + 4 * i, load<f32>(x + 4 * i) * a);
}

/** Bytes of one thread's scratch for chunks of at most `longest` tokens. */
export function word2vecScratchBytes(longest: i32, dim: i32): i32 {
  return (((2 * longest + 2 * dim) * 4 + 63) >> 6) << 6;
}

/**
 * Claims and runs jobs of the word2vec job record at `args` until none is left or `maxJobs` ran,
 * with the scratch of thread `slot`; returns how many it ran.
 */
export function word2vecWork(args: usize, slot: i32, maxJobs: i32): i32 {
  const jobs = arg(args, ARG_JOBS), scratchBytes = arg(args, ARG_SCRATCH_BYTES);
  const scratch = <usize>arg(args, ARG_SCRATCH) + <usize>slot * <usize>scratchBytes, longest = arg(args, ARG_LONGEST);
  let ran = 0;
  while (ran < maxJobs) {
    // Single-thread builds (no threads feature) have no atomics and no other thread to race with.
    const counter = args + <usize>ARG_NEXT_JOB * 4;
    let job: i32;
    if (ASC_FEATURE_THREADS) job = atomic.add<i32>(counter, 1);
    else {
      job = load<i32>(counter);
      store<i32>(counter, job + 1);
    }
    if (job >= jobs) break;
    trainJob(args, job, scratch, longest);
    ran++;
  }
  return ran;
}
