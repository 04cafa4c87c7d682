/**
 * Recurrent layers beyond PyTorch's cells, as ONNX's RNN/LSTM/GRU operators and Keras define them:
 * any activation for the gates (f), the candidate (g) and the LSTM's cell output (h), clipping of
 * the pre-activations, LSTM peepholes and a coupled input-forget gate. With PyTorch's activations
 * and none of the rest this is recurrentSequence (the fused op); otherwise every step is composed
 * from differentiable ops — slower, exact, with gradients. Same shapes, lengths and directions as
 * recurrentSequence; gate order i, f, g, o (LSTM) and r, z, n (GRU).
 *
 *   RNN   h = f(W_ih x + b_ih + W_hh h' + b_hh)
 *   LSTM  i = f(x_i + h_i + p_i ⊙ c'),  f = f(x_f + h_f + p_f ⊙ c')  (or 1 − i when inputForget),
 *         g = g(x_g + h_g),  c = f ⊙ c' + i ⊙ g,  o = f(x_o + h_o + p_o ⊙ c),  h = o ⊙ h(c)
 *   GRU   r = f(x_r + h_r),  z = f(x_z + h_z),  n = g(x_n + r ⊙ h_n)   (reset-before: g(x_n + W_hn(r ⊙ h') + b_hn)),
 *         h = (1 − z) ⊙ n + z ⊙ h'
 *
 * with x_· = W_i· x + b_i·, h_· = W_h· h' + b_h·, h' and c' the previous states, and every
 * argument of f and g clipped to [−clip, clip] when clip is set.
 */
import { Tensor, full, zeros } from '../tensor/tensor.ts';
import { ValueError, checkShape } from '../errors.ts';
import { add, clamp, linear, mul, reshape, sub } from './basic.ts';
import { slice, split, stack } from './shape.ts';
import { where } from './select.ts';
import { activate, type Activation } from './activations.ts';
import { checkSequenceArguments, recurrentSequence, type RecurrentMode, type SequenceOptions, type SequenceResult, type SequenceWeights } from './recurrent.ts';

export interface CellVariant {
  /**
   * RNN: [f]; GRU: [f, g]; LSTM: [f, g, h]. Default: PyTorch's (tanh or relu by mode; sigmoid, tanh(, tanh)).
   */
  activations?: readonly Activation[] | null;
  /** Clip every activation's argument to [−clip, clip]. */
  clip?: number | null;
  /** LSTM: peephole weights [3H] for the i, f and o gates. */
  peephole?: Tensor | null;
  /** LSTM: couple the forget gate to the input gate, f = 1 − i. */
  inputForget?: boolean;
}

const DEFAULTS: Record<RecurrentMode, readonly Activation['name'][]> = {
  RNN_TANH: ['tanh'], RNN_RELU: ['relu'], LSTM: ['sigmoid', 'tanh', 'tanh'], GRU: ['sigmoid', 'tanh'],
};

/** The fused op's mode for these activations, or null when only the composed steps compute them. */
function fusedMode(mode: RecurrentMode, activations: readonly Activation[]): RecurrentMode | null {
  const names = activations.map((a) => a.name);
  if (mode === 'RNN_TANH' || mode === 'RNN_RELU') return names[0] === 'tanh' ? 'RNN_TANH' : names[0] === 'relu' ? 'RNN_RELU' : null;
  return names.every((n, i) => n === DEFAULTS[mode][i]) ? mode : null;
}

/** One layer in one direction, as recurrentSequence, with the variant's activations, clip, peepholes and coupling. */
export function variantRecurrentSequence(
  mode: RecurrentMode, x: Tensor, w: SequenceWeights, h0: Tensor | null, c0: Tensor | null,
  options: SequenceOptions & CellVariant = {},
): SequenceResult {
  const activations = options.activations ?? DEFAULTS[mode].map((name) => ({ name }));
  if (activations.length !== DEFAULTS[mode].length) {
    throw new ValueError('activations', `${DEFAULTS[mode].length} activations for ${mode}`, `${activations.length}`);
  }
  const { clip = null, peephole = null, inputForget = false } = options;
  if (clip !== null && !(clip > 0)) throw new ValueError('clip', 'a positive number or null', String(clip));
  if ((peephole || inputForget) && mode !== 'LSTM') throw new ValueError('peephole / inputForget', 'an LSTM', mode);
  const fused = fusedMode(mode, activations);
  if (fused && clip === null && !peephole && !inputForget) return recurrentSequence(fused, x, w, h0, c0, options);
  return composedSequence(mode, x, w, h0, c0, { ...options, activations, clip, peephole, inputForget });
}

interface Resolved extends SequenceOptions {
  activations: readonly Activation[];
  clip: number | null;
  peephole: Tensor | null;
  inputForget: boolean;
}

function composedSequence(mode: RecurrentMode, x: Tensor, w: SequenceWeights, h0: Tensor | null, c0: Tensor | null, o: Resolved): SequenceResult {
  const lengths = o.lengths ?? null;
  const [T, B, I, H] = checkSequenceArguments(mode, x, w, h0, c0, lengths);
  if (o.peephole) checkShape(o.peephole, 'peephole', [3 * H]);

  const [F, Gact, Hact] = o.activations;
  const act = (fn: Activation, v: Tensor): Tensor => activate(o.clip === null ? v : clamp(v, -o.clip, o.clip), fn);
  const backend = x.backend;
  const zero = zeros([B, H], { backend });
  const one = full([B, H], 1, { backend });
  // Positions past a row's length are never read: zeroed before the input projection.
  const rows = lengths ? Array.from({ length: T * B }, (_, k) => Math.floor(k / B) < lengths[k % B]) : null;
  const flat = reshape(x, [T * B, I]);
  const inputs = linear(rows ? where(rows, flat, zeros([T * B, I], { backend })) : flat, w.weightIh, w.biasIh);
  const peep = o.peephole ? split(o.peephole, 3, 0) : null;
  const plus = (a: Tensor, p: Tensor | null, c: Tensor): Tensor => (p ? add(a, mul(c, p)) : a);
  // GRU: the r, z rows of W_hh and the n rows apart (reset-before multiplies the n rows by r ⊙ h').
  const [wRz, wN] = mode === 'GRU' ? split(w.weightHh, [2 * H, H], 0) : [];
  const [bRz, bN] = mode === 'GRU' && w.biasHh ? split(w.biasHh, [2 * H, H], 0) : [null, null];

  let h = h0 ?? zero;
  let c = mode === 'LSTM' ? (c0 ?? zero) : null;
  const outputs: Tensor[] = new Array(T);
  for (let s = 0; s < T; s++) {
    const t = o.reverse ? T - 1 - s : s;
    const active = lengths ? Array.from(lengths, (n) => t < n) : null;
    if (active && !active.includes(true)) {
      outputs[t] = zero;
      continue;
    }
    const xt = slice(inputs, 0, t * B, (t + 1) * B);
    let hNext: Tensor, cNext: Tensor | null = null;
    if (mode === 'LSTM') {
      const [xi, xf, xg, xo] = split(add(xt, linear(h, w.weightHh, w.biasHh)), 4, 1);
      const i = act(F, plus(xi, peep?.[0] ?? null, c!));
      const f = o.inputForget ? sub(one, i) : act(F, plus(xf, peep?.[1] ?? null, c!));
      cNext = add(mul(f, c!), mul(i, act(Gact, xg)));
      const og = act(F, plus(xo, peep?.[2] ?? null, cNext));
      hNext = mul(og, activate(cNext, Hact));
    } else if (mode === 'GRU') {
      const [xr, xz, xn] = split(xt, 3, 1);
      const [hr, hz] = split(linear(h, wRz, bRz), 2, 1);
      const r = act(F, add(xr, hr)), z = act(F, add(xz, hz));
      const n = act(Gact, add(xn, o.resetBefore ? linear(mul(r, h), wN, bN) : mul(r, linear(h, wN, bN))));
      hNext = add(mul(sub(one, z), n), mul(z, h));
    } else {
      hNext = act(F, add(xt, linear(h, w.weightHh, w.biasHh)));
    }
    if (active && active.includes(false)) {
      outputs[t] = where(active, hNext, zero);
      h = where(active, hNext, h);
      c = cNext && where(active, cNext, c!);
    } else {
      outputs[t] = hNext;
      h = hNext;
      c = cNext;
    }
  }
  return { output: stack(outputs, 0), h, c };
}
