/**
 * The Backend contract: a small set of kernels over float32 / int32 storage that the backend owns.
 *
 * Every array handed to a kernel was allocated by the same backend's `alloc` (for the wasm backend
 * it is a view into the module's linear memory, so a kernel call never copies). Arrays are flat and
 * row-major; every kernel takes an explicit element offset into each array so that callers can
 * address one timestep of a sequence buffer without making a view.
 *
 * Gate kernels take `lengths` (one sequence length per batch row, or null when every row has
 * length T) and the timestep `t`: a row with `t >= lengths[b]` is *inactive* at that step (PyTorch
 * packed-sequence semantics): its state is carried unchanged, its output is zero, and in backward
 * its incoming state gradients pass through untouched.
 *
 * The reference backend (src/backend/reference) is the specification of every kernel below.
 */

export type DType = 'float32' | 'int32';
export type F32 = Float32Array;
export type I32 = Int32Array;
export type Storage = Float32Array | Int32Array;

export type UnaryOp = 'tanh' | 'sigmoid' | 'relu' | 'exp' | 'log' | 'neg';
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';
export type RecurrentActivation = 'tanh' | 'relu';

/**
 * A right-hand operand op(B) [k×n] prepared once (packMatrix) for many products with it
 * (gemmPacked), as the recurrent weights of a sequence are: the backend may copy it into the
 * layout its GEMM reads, or just remember where B is, so B must not change while it is in use.
 * Release it with freePacked.
 */
/** Arguments of clamp: y[i] = min(max(x[i], lo), hi) for i < n. */
export interface ClampArgs {
  x: F32;
  y: F32;
  n: number;
  lo: number;
  hi: number;
}

/** Arguments of clampBackward: dx[i] += dy[i] where lo ≤ x[i] ≤ hi, for i < n. */
export interface ClampBackwardArgs {
  x: F32;
  dy: F32;
  dx: F32;
  n: number;
  lo: number;
  hi: number;
}

export interface PackedMatrix {
  readonly k: number;
  readonly n: number;
}

/**
 * One word2vec training run with negative sampling (skip-gram or CBOW), the corpus cut into chunks
 * at sentence ends: job j = epoch · chunks + chunk trains on one chunk with learning rate alphas[j]
 * and the 48-bit random state seeds[2j] · 2²⁴ + seeds[2j + 1]. The reference backend
 * (reference/word2vec.ts) states the algorithm; every array is this backend's.
 */
export interface Word2VecJob {
  mode: 'skipgram' | 'cbow';
  /** CBOW: average the context vectors (gensim cbow_mean = 1) instead of summing them. */
  cbowMean: boolean;
  dim: number;
  window: number;
  negative: number;
  /** Word vectors (gensim syn0 / wv.vectors), [vocab, dim], updated in place. */
  input: F32;
  /** Output vectors of negative sampling (syn1neg), [vocab, dim], updated in place. */
  output: F32;
  /** The corpus as word ids (words below the minimum count removed); −1 ends a sentence. */
  tokens: I32;
  /** Token offset where each chunk starts, [chunks + 1]; chunks end after a −1. */
  chunkStarts: I32;
  /** Subsampling: word w is kept when keep[w] (as uint32) ≥ the next random 32-bit draw; null keeps every word. */
  keep: I32 | null;
  /** Cumulative unigram^0.75 noise distribution over [0, noise[vocab − 1]), [vocab]. */
  noise: I32;
  /** Learning rate of each job, [epochs · chunks]. */
  alphas: F32;
  /** 24-bit halves of each job's random state, [2 · epochs · chunks]. */
  seeds: I32;
}

export interface Backend {
  readonly name: string;
  /** Threads the backend computes with (1 for the reference backend). */
  readonly threads: number;
  /**
   * The most bytes of storage it can hold, all live arrays together (the wasm backend: its
   * memory's maximum size). Absent: no limit of its own besides the machine's memory.
   */
  readonly memoryLimit?: number;

  /** A zero-filled array of n elements owned by this backend; MemoryLimitError when it does not fit. */
  alloc(n: number, dtype: 'float32'): F32;
  alloc(n: number, dtype: 'int32'): I32;
  alloc(n: number, dtype: DType): Storage;
  /** Returns storage to the backend; the array must not be used afterwards. */
  free(a: Storage): void;

  // ---- dense linear algebra -------------------------------------------------------------------

  /**
   * C[m×n] = alpha · op(A)[m×k] · op(B)[k×n] + beta · C, row-major with leading dimensions.
   * op(A) = A (A stored m×k, lda ≥ k) or Aᵀ (A stored k×m, lda ≥ m); likewise for B.
   * beta = 0 overwrites C (NaN in C is not propagated).
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: F32, aOff: number, lda: number,
    b: F32, bOff: number, ldb: number,
    beta: number, c: F32, cOff: number, ldc: number,
  ): void;

  /** op(B) [k×n] (B stored as for gemm's right operand, from bOff) prepared for gemmPacked. */
  packMatrix(transB: boolean, k: number, n: number, b: F32, bOff: number, ldb: number): PackedMatrix;
  /** C[m×n] = alpha · op(A)[m×k] · P + beta · C for a packed right operand P [k×n]; as gemm. */
  gemmPacked(
    transA: boolean, m: number, alpha: number, a: F32, aOff: number, lda: number,
    right: PackedMatrix, beta: number, c: F32, cOff: number, ldc: number,
  ): void;
  /** Releases a packed matrix; it must not be used afterwards. */
  freePacked(right: PackedMatrix): void;

  /**
   * The products of one recurrent step at batch 1 (sampling), in one call: for j < n,
   *   y[j] = ⟨Wa[j, :], xa⟩ + ⟨Wb[j, :], xb⟩ + biasA[j] + biasB[j]
   * with Wa [n, kA] and Wb [n, kB] dense row-major from offset 0, xa read from xaOff, xb from 0.
   * Wb = null (and kB = 0) drops the second product; a null bias adds nothing. y is overwritten.
   */
  matVecSum(
    n: number, wa: F32, xa: F32, xaOff: number, kA: number,
    wb: F32 | null, xb: F32 | null, kB: number, biasA: F32 | null, biasB: F32 | null, y: F32,
  ): void;

  // ---- elementwise and reductions (n elements from offset 0) ----------------------------------

  fill(x: F32, value: number, n: number, xOff: number): void;
  /** y[yOff + i] = x[xOff + i]. */
  copy(x: Storage, xOff: number, y: Storage, yOff: number, n: number): void;
  /** y = op(x). */
  unary(op: UnaryOp, x: F32, y: F32, n: number): void;
  /**
   * dx += dy · op'(·). For tanh and sigmoid the derivative is computed from the output y,
   * for relu, exp from y too (relu: y > 0); for log and neg from the input x.
   */
  unaryBackward(op: UnaryOp, x: F32, y: F32, dy: F32, dx: F32, n: number): void;
  /**
   * y = min(max(x, lo), hi) with the bounds rounded to float32 (lo ≤ hi); NaN stays NaN.
   * x and y may be the same array.
   */
  clamp(args: ClampArgs): void;
  /**
   * dx += dy where lo ≤ x ≤ hi (bounds rounded to float32, included, as in PyTorch's clamp), 0 elsewhere
   * and where x is NaN.
   */
  clampBackward(args: ClampBackwardArgs): void;
  /** out = a op b, elementwise; `b` is broadcast along rows when bLen < n (n = rows · bLen). */
  binary(op: BinaryOp, a: F32, b: F32, out: F32, n: number, bLen: number): void;
  /** y += alpha · x. */
  axpy(alpha: number, x: F32, xOff: number, y: F32, yOff: number, n: number): void;
  /** x *= alpha. */
  scale(x: F32, alpha: number, n: number): void;
  /** out[j] (+)= Σ_i x[i·cols + j]: column sums of a rows×cols matrix; accumulate adds to out. */
  sumRows(x: F32, rows: number, cols: number, out: F32, accumulate: boolean): void;
  /** Σ x[i]² in float64. */
  sumSquares(x: F32, n: number): number;
  /** Σ x[i] in float64. */
  sum(x: F32, n: number): number;

  // ---- softmax, cross-entropy, embedding ------------------------------------------------------

  /** Row-wise log-softmax of a rows×cols matrix. */
  logSoftmax(x: F32, out: F32, rows: number, cols: number): void;
  /** Row-wise softmax of a rows×cols matrix. */
  softmax(x: F32, out: F32, rows: number, cols: number): void;
  /**
   * Cross-entropy of each row of logits against targets[row]: writes softmax probabilities to
   * `probs` and −w[t]·log p[t] to lossPerRow (0 for a row whose target equals ignoreIndex).
   * `classWeights` may be null (all 1). Returns nothing; the caller reduces lossPerRow.
   */
  crossEntropyForward(
    logits: F32, targets: I32, rows: number, cols: number, classWeights: F32 | null,
    ignoreIndex: number, probs: F32, lossPerRow: F32,
  ): void;
  /** dLogits[row] (+)= scale · w[t] · (probs[row] − onehot(t)); rows with t = ignoreIndex get 0. */
  crossEntropyBackward(
    probs: F32, targets: I32, rows: number, cols: number, classWeights: F32 | null,
    ignoreIndex: number, scale: number, dLogits: F32,
  ): void;
  /** out[i, :] = table[ids[i], :] for i < n; dim columns. */
  gather(table: F32, dim: number, ids: I32, n: number, out: F32): void;
  /** dTable[ids[i], :] += dOut[i, :]. */
  scatterAdd(dOut: F32, dim: number, ids: I32, n: number, dTable: F32): void;

  // ---- fused recurrent cells: one timestep for a whole batch ----------------------------------
  // Buffers are [B, ·] slices starting at the given offsets. `out` (may be null) receives the
  // layer output for this step: h for active rows, 0 for inactive rows.

  /**
   * Vanilla RNN.  h = act(pre),  pre = W_ih x + b_ih + W_hh h_prev + b_hh  (already summed in pre).
   * Inactive rows: h = hPrev.
   */
  rnnCellForward(
    act: RecurrentActivation, B: number, H: number,
    pre: F32, preOff: number, hPrev: F32, hPrevOff: number, h: F32, hOff: number,
    out: F32 | null, outOff: number, lengths: I32 | null, t: number,
  ): void;
  /**
   * Active rows: dhT = dh + dOut;  dPre = dhT · act'(h);  dh = 0 (the caller adds dPre · W_hh).
   * Inactive rows: dPre = 0, dh unchanged.
   */
  rnnCellBackward(
    act: RecurrentActivation, B: number, H: number,
    h: F32, hOff: number, dOut: F32 | null, dOutOff: number, dh: F32, dPre: F32, dPreOff: number,
    lengths: I32 | null, t: number,
  ): void;

  /**
   * LSTM, gate order i, f, g, o in a [B, 4H] pre-activation row (W_ih x + b_ih + W_hh h + b_hh):
   *   i = σ(·), f = σ(·), g = tanh(·), o = σ(·);  c = f ⊙ c_prev + i ⊙ g;  h = o ⊙ tanh(c).
   * The activated gates overwrite `gates` (saved for backward). Inactive rows: c = cPrev, h = hPrev.
   */
  lstmCellForward(
    B: number, H: number, gates: F32, gOff: number,
    cPrev: F32, cPrevOff: number, hPrev: F32, hPrevOff: number,
    c: F32, cOff: number, h: F32, hOff: number,
    out: F32 | null, outOff: number, lengths: I32 | null, t: number,
  ): void;
  /**
   * Active rows: dhT = dh + dOut; dcT = dc + dhT ⊙ o ⊙ (1 − tanh²c);
   *   d(pre i, f, g, o) = (dcT⊙g⊙i(1−i), dcT⊙c_prev⊙f(1−f), dcT⊙i⊙(1−g²), dhT⊙tanh c⊙o(1−o));
   *   dc = dcT ⊙ f; dh = 0 (the caller adds dGates · W_hh).
   * Inactive rows: dGates = 0; dh and dc unchanged.
   */
  lstmCellBackward(
    B: number, H: number, gates: F32, gOff: number, cPrev: F32, cPrevOff: number,
    c: F32, cOff: number, dOut: F32 | null, dOutOff: number, dh: F32, dc: F32,
    dGates: F32, dgOff: number, lengths: I32 | null, t: number,
  ): void;

  /**
   * GRU, gate order r, z, n. xg = W_ih x + b_ih and hg = W_hh h_prev + b_hh, each [B, 3H].
   * Reset-after (PyTorch):  r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r ⊙ hn),
   *                          h = (1 − z) ⊙ n + z ⊙ h_prev.
   * r, z, n overwrite the three blocks of xg (saved for backward); hg is kept as is.
   * Inactive rows: h = hPrev.
   */
  gruCellForward(
    B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number,
    hPrev: F32, hPrevOff: number, h: F32, hOff: number,
    out: F32 | null, outOff: number, lengths: I32 | null, t: number,
  ): void;
  /**
   * Active rows: dhT = dh + dOut; dn = dhT(1−z)(1−n²); dz = dhT(h_prev − n) z(1−z);
   *   dr = dn ⊙ hn ⊙ r(1−r);  dXg = (dr, dz, dn);  dHg = (dr, dz, dn ⊙ r);  dh = dhT ⊙ z
   *   (the caller adds dHg · W_hh).
   * Inactive rows: dXg = dHg = 0; dh unchanged.
   */
  gruCellBackward(
    B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number,
    hPrev: F32, hPrevOff: number, dOut: F32 | null, dOutOff: number, dh: F32,
    dXg: F32, dxgOff: number, dHg: F32, dhgOff: number, lengths: I32 | null, t: number,
  ): void;

  /**
   * GRU reset-before (Cho et al.; ONNX linear_before_reset = 0), first half of a step:
   *   r = σ(xr + hr), z = σ(xz + hz) overwrite the r, z blocks of xg;  rh = r ⊙ h_prev  ([B, H]).
   * The caller then puts hn = W_hn · rh + b_hn into the n block of hg and calls
   * gruResetBeforeForward.
   */
  gruResetGateForward(
    B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number,
    hPrev: F32, hPrevOff: number, rh: F32, rhOff: number,
  ): void;
  /**
   * Second half:  n = tanh(xn + hn),  h = (1 − z) ⊙ n + z ⊙ h_prev  (r, z already in xg);
   * n overwrites the n block of xg. Inactive rows: h = hPrev.
   */
  gruResetBeforeForward(
    B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number,
    hPrev: F32, hPrevOff: number, h: F32, hOff: number,
    out: F32 | null, outOff: number, lengths: I32 | null, t: number,
  ): void;
  /**
   * Active rows: dhT = dh + dOut; dn = dhT(1−z)(1−n²); dz = dhT(h_prev − n) z(1−z);
   *   dXg z, n blocks = dz, dn;  dHg z, n blocks = dz, dn;  dh = dhT ⊙ z.
   * The caller then forms dRh = dHg_n · W_hn and calls gruResetGateBackward.
   * Inactive rows: dXg = dHg = 0; dh unchanged.
   */
  gruResetBeforeBackward(
    B: number, H: number, xg: F32, xgOff: number, hPrev: F32, hPrevOff: number,
    dOut: F32 | null, dOutOff: number, dh: F32,
    dXg: F32, dxgOff: number, dHg: F32, dhgOff: number, lengths: I32 | null, t: number,
  ): void;
  /** dr = dRh ⊙ h_prev ⊙ r(1−r) into the r blocks of dXg and dHg;  dh += dRh ⊙ r. */
  gruResetGateBackward(
    B: number, H: number, xg: F32, xgOff: number, hPrev: F32, hPrevOff: number, dRh: F32,
    dh: F32, dXg: F32, dxgOff: number, dHg: F32, dhgOff: number,
  ): void;

  // ---- word embeddings ------------------------------------------------------------------------

  /**
   * Runs every job of a word2vec training run, on all of the backend's threads with lock-free
   * updates of the shared vectors (as word2vec and gensim do); one thread runs the jobs in order.
   * `onProgress(jobsDone)` is called from the calling thread now and then.
   */
  word2vecTrain(job: Word2VecJob, onProgress?: (jobsDone: number) => void): void;

  // ---- optimizer updates over n parameters (PyTorch semantics) --------------------------------

  /** SGD with momentum buffer `buf` (may be null when momentum = 0). */
  sgdUpdate(
    p: F32, g: F32, buf: F32 | null, n: number,
    lr: number, momentum: number, dampening: number, weightDecay: number, nesterov: boolean, firstStep: boolean,
  ): void;
  /** Adam / AdamW (decoupled = true) with bias corrections for step `step` (1-based). */
  adamUpdate(
    p: F32, g: F32, m: F32, v: F32, n: number,
    lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, decoupled: boolean, step: number,
  ): void;
  rmspropUpdate(p: F32, g: F32, sq: F32, n: number, lr: number, alpha: number, eps: number, weightDecay: number): void;
  adagradUpdate(p: F32, g: F32, sum: F32, n: number, lr: number, eps: number, weightDecay: number): void;
}
