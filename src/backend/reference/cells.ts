/**
 * Fused recurrent-cell kernels: one timestep for a whole batch [B, ·], in place over sequence
 * buffers addressed by offsets. The equations are in src/backend/backend.ts beside each signature;
 * a row with t ≥ lengths[b] is inactive (state carried, output 0, gradients passed through).
 */
import type { F32, I32, RecurrentActivation } from '../backend.ts';

const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
const isActive = (lengths: I32 | null, b: number, t: number): boolean => lengths === null || t < lengths[b];

/** Copies the carried state of an inactive row and zeroes its output. */
function carryRow(H: number, b: number, src: F32, srcOff: number, dst: F32, dstOff: number, out: F32 | null, outOff: number): void {
  dst.set(src.subarray(srcOff + b * H, srcOff + b * H + H), dstOff + b * H);
  if (out) out.fill(0, outOff + b * H, outOff + b * H + H);
}

// h = act(pre)
export function rnnCellForward(
  act: RecurrentActivation, B: number, H: number, pre: F32, preOff: number, hPrev: F32, hPrevOff: number,
  h: F32, hOff: number, out: F32 | null, outOff: number, lengths: I32 | null, t: number,
): void {
  for (let b = 0; b < B; b++) {
    if (!isActive(lengths, b, t)) {
      carryRow(H, b, hPrev, hPrevOff, h, hOff, out, outOff);
      continue;
    }
    for (let j = 0; j < H; j++) {
      const p = pre[preOff + b * H + j];
      const v = act === 'tanh' ? Math.tanh(p) : p > 0 ? p : 0;
      h[hOff + b * H + j] = v;
      if (out) out[outOff + b * H + j] = v;
    }
  }
}

// dPre = (dh + dOut)·act'(h);  dh = 0
export function rnnCellBackward(
  act: RecurrentActivation, B: number, H: number, h: F32, hOff: number, dOut: F32 | null, dOutOff: number,
  dh: F32, dPre: F32, dPreOff: number, lengths: I32 | null, t: number,
): void {
  for (let b = 0; b < B; b++) {
    const active = isActive(lengths, b, t);
    for (let j = 0; j < H; j++) {
      const k = b * H + j;
      if (!active) {
        dPre[dPreOff + k] = 0;
        continue;
      }
      const g = dh[k] + (dOut ? dOut[dOutOff + k] : 0);
      const v = h[hOff + k];
      dPre[dPreOff + k] = g * (act === 'tanh' ? 1 - v * v : v > 0 ? 1 : 0);
      dh[k] = 0;
    }
  }
}

// i, f, g, o = σ, σ, tanh, σ of the gate rows;  c = f·c_prev + i·g;  h = o·tanh(c)
export function lstmCellForward(
  B: number, H: number, gates: F32, gOff: number, cPrev: F32, cPrevOff: number, hPrev: F32, hPrevOff: number,
  c: F32, cOff: number, h: F32, hOff: number, out: F32 | null, outOff: number, lengths: I32 | null, t: number,
): void {
  for (let b = 0; b < B; b++) {
    if (!isActive(lengths, b, t)) {
      carryRow(H, b, cPrev, cPrevOff, c, cOff, null, 0);
      carryRow(H, b, hPrev, hPrevOff, h, hOff, out, outOff);
      continue;
    }
    const g0 = gOff + b * 4 * H;
    for (let j = 0; j < H; j++) {
      const i = sigmoid(gates[g0 + j]);
      const f = sigmoid(gates[g0 + H + j]);
      const g = Math.tanh(gates[g0 + 2 * H + j]);
      const o = sigmoid(gates[g0 + 3 * H + j]);
      gates[g0 + j] = i;
      gates[g0 + H + j] = f;
      gates[g0 + 2 * H + j] = g;
      gates[g0 + 3 * H + j] = o;
      const cv = f * cPrev[cPrevOff + b * H + j] + i * g;
      const hv = o * Math.tanh(cv);
      c[cOff + b * H + j] = cv;
      h[hOff + b * H + j] = hv;
      if (out) out[outOff + b * H + j] = hv;
    }
  }
}

// dhT = dh + dOut; dcT = dc + dhT·o·(1 − tanh²c); gate pre-activation grads; dc = dcT·f; dh = 0
export function lstmCellBackward(
  B: number, H: number, gates: F32, gOff: number, cPrev: F32, cPrevOff: number, c: F32, cOff: number,
  dOut: F32 | null, dOutOff: number, dh: F32, dc: F32, dGates: F32, dgOff: number, lengths: I32 | null, t: number,
): void {
  for (let b = 0; b < B; b++) {
    const g0 = gOff + b * 4 * H;
    const d0 = dgOff + b * 4 * H;
    if (!isActive(lengths, b, t)) {
      dGates.fill(0, d0, d0 + 4 * H);
      continue;
    }
    for (let j = 0; j < H; j++) {
      const k = b * H + j;
      const i = gates[g0 + j], f = gates[g0 + H + j], g = gates[g0 + 2 * H + j], o = gates[g0 + 3 * H + j];
      const tc = Math.tanh(c[cOff + k]);
      const dhT = dh[k] + (dOut ? dOut[dOutOff + k] : 0);
      const dcT = dc[k] + dhT * o * (1 - tc * tc);
      dGates[d0 + j] = dcT * g * i * (1 - i);
      dGates[d0 + H + j] = dcT * cPrev[cPrevOff + k] * f * (1 - f);
      dGates[d0 + 2 * H + j] = dcT * i * (1 - g * g);
      dGates[d0 + 3 * H + j] = dhT * tc * o * (1 - o);
      dc[k] = dcT * f;
      dh[k] = 0;
    }
  }
}

// r = σ(xr + hr), z = σ(xz + hz), n = tanh(xn + r·hn), h = (1 − z)·n + z·h_prev
export function gruCellForward(
  B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number, hPrev: F32, hPrevOff: number,
  h: F32, hOff: number, out: F32 | null, outOff: number, lengths: I32 | null, t: number,
): void {
  for (let b = 0; b < B; b++) {
    if (!isActive(lengths, b, t)) {
      carryRow(H, b, hPrev, hPrevOff, h, hOff, out, outOff);
      continue;
    }
    const x0 = xgOff + b * 3 * H;
    const h0 = hgOff + b * 3 * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(xg[x0 + j] + hg[h0 + j]);
      const z = sigmoid(xg[x0 + H + j] + hg[h0 + H + j]);
      const n = Math.tanh(xg[x0 + 2 * H + j] + r * hg[h0 + 2 * H + j]);
      xg[x0 + j] = r;
      xg[x0 + H + j] = z;
      xg[x0 + 2 * H + j] = n;
      const hv = (1 - z) * n + z * hPrev[hPrevOff + b * H + j];
      h[hOff + b * H + j] = hv;
      if (out) out[outOff + b * H + j] = hv;
    }
  }
}

// dhT = dh + dOut; dn = dhT(1−z)(1−n²); dz = dhT(h_prev − n)z(1−z); dr = dn·hn·r(1−r); dh = dhT·z
export function gruCellBackward(
  B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number, hPrev: F32, hPrevOff: number,
  dOut: F32 | null, dOutOff: number, dh: F32, dXg: F32, dxgOff: number, dHg: F32, dhgOff: number,
  lengths: I32 | null, t: number,
): void {
  for (let b = 0; b < B; b++) {
    const x0 = xgOff + b * 3 * H, h0 = hgOff + b * 3 * H;
    const dx0 = dxgOff + b * 3 * H, dh0 = dhgOff + b * 3 * H;
    if (!isActive(lengths, b, t)) {
      dXg.fill(0, dx0, dx0 + 3 * H);
      dHg.fill(0, dh0, dh0 + 3 * H);
      continue;
    }
    for (let j = 0; j < H; j++) {
      const k = b * H + j;
      const r = xg[x0 + j], z = xg[x0 + H + j], n = xg[x0 + 2 * H + j];
      const dhT = dh[k] + (dOut ? dOut[dOutOff + k] : 0);
      const dn = dhT * (1 - z) * (1 - n * n);
      const dz = dhT * (hPrev[hPrevOff + k] - n) * z * (1 - z);
      const dr = dn * hg[h0 + 2 * H + j] * r * (1 - r);
      dXg[dx0 + j] = dr;
      dXg[dx0 + H + j] = dz;
      dXg[dx0 + 2 * H + j] = dn;
      dHg[dh0 + j] = dr;
      dHg[dh0 + H + j] = dz;
      dHg[dh0 + 2 * H + j] = dn * r;
      dh[k] = dhT * z;
    }
  }
}

// r = σ(xr + hr), z = σ(xz + hz);  rh = r·h_prev
export function gruResetGateForward(
  B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number, hPrev: F32, hPrevOff: number, rh: F32, rhOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const x0 = xgOff + b * 3 * H, h0 = hgOff + b * 3 * H;
    for (let j = 0; j < H; j++) {
      const r = sigmoid(xg[x0 + j] + hg[h0 + j]);
      xg[x0 + j] = r;
      xg[x0 + H + j] = sigmoid(xg[x0 + H + j] + hg[h0 + H + j]);
      rh[rhOff + b * H + j] = r * hPrev[hPrevOff + b * H + j];
    }
  }
}

// n = tanh(xn + hn),  h = (1 − z)·n + z·h_prev
export function gruResetBeforeForward(
  B: number, H: number, xg: F32, xgOff: number, hg: F32, hgOff: number, hPrev: F32, hPrevOff: number,
  h: F32, hOff: number, out: F32 | null, outOff: number, lengths: I32 | null, t: number,
): void {
  for (let b = 0; b < B; b++) {
    if (!isActive(lengths, b, t)) {
      carryRow(H, b, hPrev, hPrevOff, h, hOff, out, outOff);
      continue;
    }
    const x0 = xgOff + b * 3 * H, h0 = hgOff + b * 3 * H;
    for (let j = 0; j < H; j++) {
      const z = xg[x0 + H + j];
      const n = Math.tanh(xg[x0 + 2 * H + j] + hg[h0 + 2 * H + j]);
      xg[x0 + 2 * H + j] = n;
      const hv = (1 - z) * n + z * hPrev[hPrevOff + b * H + j];
      h[hOff + b * H + j] = hv;
      if (out) out[outOff + b * H + j] = hv;
    }
  }
}

// dhT = dh + dOut; dn = dhT(1−z)(1−n²); dz = dhT(h_prev − n)z(1−z); dh = dhT·z
export function gruResetBeforeBackward(
  B: number, H: number, xg: F32, xgOff: number, hPrev: F32, hPrevOff: number, dOut: F32 | null, dOutOff: number,
  dh: F32, dXg: F32, dxgOff: number, dHg: F32, dhgOff: number, lengths: I32 | null, t: number,
): void {
  for (let b = 0; b < B; b++) {
    const x0 = xgOff + b * 3 * H, dx0 = dxgOff + b * 3 * H, dh0 = dhgOff + b * 3 * H;
    if (!isActive(lengths, b, t)) {
      dXg.fill(0, dx0, dx0 + 3 * H);
      dHg.fill(0, dh0, dh0 + 3 * H);
      continue;
    }
    for (let j = 0; j < H; j++) {
      const k = b * H + j;
      const z = xg[x0 + H + j], n = xg[x0 + 2 * H + j];
      const dhT = dh[k] + (dOut ? dOut[dOutOff + k] : 0);
      const dn = dhT * (1 - z) * (1 - n * n);
      const dz = dhT * (hPrev[hPrevOff + k] - n) * z * (1 - z);
      dXg[dx0 + H + j] = dHg[dh0 + H + j] = dz;
      dXg[dx0 + 2 * H + j] = dHg[dh0 + 2 * H + j] = dn;
      dh[k] = dhT * z;
    }
  }
}

// dr = dRh·h_prev·r(1−r);  dh += dRh·r
export function gruResetGateBackward(
  B: number, H: number, xg: F32, xgOff: number, hPrev: F32, hPrevOff: number, dRh: F32,
  dh: F32, dXg: F32, dxgOff: number, dHg: F32, dhgOff: number,
): void {
  for (let b = 0; b < B; b++) {
    const x0 = xgOff + b * 3 * H;
    for (let j = 0; j < H; j++) {
      const k = b * H + j;
      const r = xg[x0 + j];
      const dr = dRh[k] * hPrev[hPrevOff + k] * r * (1 - r);
      dXg[dxgOff + b * 3 * H + j] = dHg[dhgOff + b * 3 * H + j] = dr;
      dh[k] += dRh[k] * r;
    }
  }
}
