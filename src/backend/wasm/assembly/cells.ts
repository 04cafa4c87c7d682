// Fused recurrent cells: one timestep for a batch of B rows, equations as in the Backend contract
// (src/backend/backend.ts). Pointers are byte addresses already offset to the timestep; a null
// pointer (0) means "absent" for out, dOut and lengths. Row b is inactive when t ≥ lengths[b].
import { lanesAt, ld, ones, st, splat, sigmoidv, tanhv } from './simd';

@inline function isActive(lengths: usize, b: i32, t: i32): bool {
  return lengths == 0 || t < load<i32>(lengths + 4 * b);
}

@inline function ldOr0(p: usize, o: usize, lanes: i32): v128 {
  return p ? ld(p + o, lanes) : splat(0);
}

// Inactive row: dst = src (the carried state), out = 0.
function carryRow(rowBytes: usize, src: usize, dst: usize, out: usize): void {
  memory.copy(dst, src, rowBytes);
  if (out) memory.fill(out, 0, rowBytes);
}

// Carries h = h_prev and zeroes out for row b when it is inactive; returns whether it was.
function carriedOver(lengths: usize, b: i32, t: i32, rowBytes: usize, hPrev: usize, h: usize, out: usize): bool {
  if (isActive(lengths, b, t)) return false;
  const r = <usize>b * rowBytes;
  carryRow(rowBytes, hPrev + r, h + r, out ? out + r : 0);
  return true;
}

// h = act(pre);  act: 0 = tanh, 1 = relu
export function rnnCellForward(act: i32, B: i32, H: i32, pre: usize, hPrev: usize, h: usize, out: usize, lengths: usize, t: i32): void {
  const rowBytes = <usize>H * 4;
  for (let b = 0; b < B; b++) {
    if (carriedOver(lengths, b, t, rowBytes, hPrev, h, out)) continue;
    const r = <usize>b * rowBytes;
    for (let j = 0, lanes = 0; j < H; j += lanes) {
      lanes = lanesAt(j, H);
      const o = r + <usize>j * 4;
      const p = ld(pre + o, lanes);
      const v = act == 0 ? tanhv(p) : f32x4.pmax(splat(0), p);
      st(h + o, v, lanes);
      if (out) st(out + o, v, lanes);
    }
  }
}

// dPre = (dh + dOut)·act'(h), act' = 1 − h² (tanh) or [h > 0] (relu);  dh = 0
export function rnnCellBackward(act: i32, B: i32, H: i32, h: usize, dOut: usize, dh: usize, dPre: usize, lengths: usize, t: i32): void {
  const rowBytes = <usize>H * 4;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * rowBytes;
    if (!isActive(lengths, b, t)) {
      memory.fill(dPre + r, 0, rowBytes);
      continue;
    }
    for (let j = 0, lanes = 0; j < H; j += lanes) {
      lanes = lanesAt(j, H);
      const o = r + <usize>j * 4;
      const g = f32x4.add(ld(dh + o, lanes), ldOr0(dOut, o, lanes));
      const v = ld(h + o, lanes);
      const d = act == 0 ? f32x4.sub(ones(), f32x4.mul(v, v)) : v128.and(f32x4.gt(v, splat(0)), ones());
      st(dPre + o, f32x4.mul(g, d), lanes);
      st(dh + o, splat(0), lanes);
    }
  }
}

// i, f, g, o = σ, σ, tanh, σ of the four gate blocks (overwritten);  c = f·c_prev + i·g;  h = o·tanh c
export function lstmCellForward(B: i32, H: i32, gates: usize, cPrev: usize, hPrev: usize, c: usize, h: usize, out: usize, lengths: usize, t: i32): void {
  const rowBytes = <usize>H * 4;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * rowBytes;
    if (carriedOver(lengths, b, t, rowBytes, hPrev, h, out)) {
      carryRow(rowBytes, cPrev + r, c + r, 0);
      continue;
    }
    const gi = gates + 4 * r, gf = gi + rowBytes, gg = gf + rowBytes, go = gg + rowBytes;
    for (let j = 0, lanes = 0; j < H; j += lanes) {
      lanes = lanesAt(j, H);
      const q = <usize>j * 4, o = r + q;
      const i = sigmoidv(ld(gi + q, lanes)), f = sigmoidv(ld(gf + q, lanes));
      const g = tanhv(ld(gg + q, lanes)), og = sigmoidv(ld(go + q, lanes));
      st(gi + q, i, lanes); st(gf + q, f, lanes); st(gg + q, g, lanes); st(go + q, og, lanes);
      const cv = f32x4.add(f32x4.mul(f, ld(cPrev + o, lanes)), f32x4.mul(i, g));
      const hv = f32x4.mul(og, tanhv(cv));
      st(c + o, cv, lanes);
      st(h + o, hv, lanes);
      if (out) st(out + o, hv, lanes);
    }
  }
}

// dhT = dh + dOut; dcT = dc + dhT·o·(1 − tanh²c);
// dGates = (dcT·g·i(1−i), dcT·c_prev·f(1−f), dcT·i·(1−g²), dhT·tanh c·o(1−o));  dc = dcT·f;  dh = 0
export function lstmCellBackward(
  B: i32, H: i32, gates: usize, cPrev: usize, c: usize, dOut: usize, dh: usize, dc: usize, dGates: usize, lengths: usize, t: i32,
): void {
  const rowBytes = <usize>H * 4;
  const one = ones();
  for (let b = 0; b < B; b++) {
    const r = <usize>b * rowBytes;
    const di = dGates + 4 * r, df = di + rowBytes, dg = df + rowBytes, dO = dg + rowBytes;
    if (!isActive(lengths, b, t)) {
      memory.fill(di, 0, 4 * rowBytes);
      continue;
    }
    const gi = gates + 4 * r, gf = gi + rowBytes, gg = gf + rowBytes, go = gg + rowBytes;
    for (let j = 0, lanes = 0; j < H; j += lanes) {
      lanes = lanesAt(j, H);
      const q = <usize>j * 4, o = r + q;
      const i = ld(gi + q, lanes), f = ld(gf + q, lanes), g = ld(gg + q, lanes), og = ld(go + q, lanes);
      const tc = tanhv(ld(c + o, lanes));
      const dhT = f32x4.add(ld(dh + o, lanes), ldOr0(dOut, o, lanes));
      const dcT = f32x4.add(ld(dc + o, lanes), f32x4.mul(f32x4.mul(dhT, og), f32x4.sub(one, f32x4.mul(tc, tc))));
      st(di + q, f32x4.mul(f32x4.mul(f32x4.mul(dcT, g), i), f32x4.sub(one, i)), lanes);
      st(df + q, f32x4.mul(f32x4.mul(f32x4.mul(dcT, ld(cPrev + o, lanes)), f), f32x4.sub(one, f)), lanes);
      st(dg + q, f32x4.mul(f32x4.mul(dcT, i), f32x4.sub(one, f32x4.mul(g, g))), lanes);
      st(dO + q, f32x4.mul(f32x4.mul(f32x4.mul(dhT, tc), og), f32x4.sub(one, og)), lanes);
      st(dc + o, f32x4.mul(dcT, f), lanes);
      st(dh + o, splat(0), lanes);
    }
  }
}

// GRU steps are composed from the passes below (gate order r, z, n in [B, 3H] rows):
//   reset-after  forward = gruGates + gruBlend(resetAfter);  backward = gruUpdateBackward + gruResetAfterBackward
//   reset-before forward = gruGates (all rows, rh = r·h_prev) + gruBlend;  backward = gruUpdateBackward + gruResetGateBackward

// r = σ(xr + hr), z = σ(xz + hz) overwrite the r, z blocks of xg;  rh = r·h_prev when rh ≠ 0
export function gruGates(B: i32, H: i32, xg: usize, hg: usize, hPrev: usize, rh: usize, lengths: usize, t: i32): void {
  const rowBytes = <usize>H * 4;
  for (let b = 0; b < B; b++) {
    if (!isActive(lengths, b, t)) continue;
    const r = <usize>b * rowBytes;
    const xr = xg + 3 * r, xz = xr + rowBytes, hr = hg + 3 * r, hz = hr + rowBytes;
    for (let j = 0, lanes = 0; j < H; j += lanes) {
      lanes = lanesAt(j, H);
      const q = <usize>j * 4;
      const rv = sigmoidv(f32x4.add(ld(xr + q, lanes), ld(hr + q, lanes)));
      st(xr + q, rv, lanes);
      st(xz + q, sigmoidv(f32x4.add(ld(xz + q, lanes), ld(hz + q, lanes))), lanes);
      if (rh) st(rh + r + q, f32x4.mul(rv, ld(hPrev + r + q, lanes)), lanes);
    }
  }
}

// n = tanh(xn + (resetAfter ? r·hn : hn)) overwrites the n block of xg;  h = (1 − z)·n + z·h_prev
export function gruBlend(B: i32, H: i32, xg: usize, hg: usize, hPrev: usize, h: usize, out: usize, lengths: usize, t: i32, resetAfter: bool): void {
  const rowBytes = <usize>H * 4;
  for (let b = 0; b < B; b++) {
    if (carriedOver(lengths, b, t, rowBytes, hPrev, h, out)) continue;
    const r = <usize>b * rowBytes;
    const xr = xg + 3 * r, xz = xr + rowBytes, xn = xz + rowBytes, hn = hg + 3 * r + 2 * rowBytes;
    for (let j = 0, lanes = 0; j < H; j += lanes) {
      lanes = lanesAt(j, H);
      const q = <usize>j * 4, o = r + q;
      const zv = ld(xz + q, lanes);
      const hnv = resetAfter ? f32x4.mul(ld(xr + q, lanes), ld(hn + q, lanes)) : ld(hn + q, lanes);
      const nv = tanhv(f32x4.add(ld(xn + q, lanes), hnv));
      st(xn + q, nv, lanes);
      const hv = f32x4.add(f32x4.mul(f32x4.sub(ones(), zv), nv), f32x4.mul(zv, ld(hPrev + o, lanes)));
      st(h + o, hv, lanes);
      if (out) st(out + o, hv, lanes);
    }
  }
}

// dhT = dh + dOut; dn = dhT(1−z)(1−n²); dz = dhT(h_prev − n)z(1−z) into the z, n blocks of dXg and dHg;
// dh = dhT·z.  Inactive rows: dXg = dHg = 0 (all three blocks), dh unchanged.
export function gruUpdateBackward(
  B: i32, H: i32, xg: usize, hPrev: usize, dOut: usize, dh: usize, dXg: usize, dHg: usize, lengths: usize, t: i32,
): void {
  const rowBytes = <usize>H * 4;
  const one = ones();
  for (let b = 0; b < B; b++) {
    const r = <usize>b * rowBytes;
    const dxz = dXg + 3 * r + rowBytes, dxn = dxz + rowBytes;
    const dhz = dHg + 3 * r + rowBytes, dhn = dhz + rowBytes;
    if (!isActive(lengths, b, t)) {
      memory.fill(dXg + 3 * r, 0, 3 * rowBytes);
      memory.fill(dHg + 3 * r, 0, 3 * rowBytes);
      continue;
    }
    const xz = xg + 3 * r + rowBytes, xn = xz + rowBytes;
    for (let j = 0, lanes = 0; j < H; j += lanes) {
      lanes = lanesAt(j, H);
      const q = <usize>j * 4, o = r + q;
      const zv = ld(xz + q, lanes), nv = ld(xn + q, lanes);
      const dhT = f32x4.add(ld(dh + o, lanes), ldOr0(dOut, o, lanes));
      const dn = f32x4.mul(f32x4.mul(dhT, f32x4.sub(one, zv)), f32x4.sub(one, f32x4.mul(nv, nv)));
      const dz = f32x4.mul(f32x4.mul(f32x4.mul(dhT, f32x4.sub(ld(hPrev + o, lanes), nv)), zv), f32x4.sub(one, zv));
      st(dxz + q, dz, lanes); st(dxn + q, dn, lanes);
      st(dhz + q, dz, lanes); st(dhn + q, dn, lanes);
      st(dh + o, f32x4.mul(dhT, zv), lanes);
    }
  }
}

// Reset-after, active rows: dr = dn·hn·r(1−r) into the r blocks of dXg and dHg;  dHg_n = dn·r
export function gruResetAfterBackward(B: i32, H: i32, xg: usize, hg: usize, dXg: usize, dHg: usize, lengths: usize, t: i32): void {
  const rowBytes = <usize>H * 4;
  for (let b = 0; b < B; b++) {
    if (!isActive(lengths, b, t)) continue;
    const r3 = <usize>b * rowBytes * 3;
    const xr = xg + r3, hn = hg + r3 + 2 * rowBytes;
    const dxr = dXg + r3, dxn = dxr + 2 * rowBytes, dhr = dHg + r3, dhn = dhr + 2 * rowBytes;
    for (let j = 0, lanes = 0; j < H; j += lanes) {
      lanes = lanesAt(j, H);
      const q = <usize>j * 4;
      const rv = ld(xr + q, lanes), dn = ld(dxn + q, lanes);
      const dr = f32x4.mul(f32x4.mul(f32x4.mul(dn, ld(hn + q, lanes)), rv), f32x4.sub(ones(), rv));
      st(dxr + q, dr, lanes); st(dhr + q, dr, lanes);
      st(dhn + q, f32x4.mul(dn, rv), lanes);
    }
  }
}

// Reset-before, all rows: dr = dRh·h_prev·r(1−r) into the r blocks of dXg and dHg;  dh += dRh·r
export function gruResetGateBackward(B: i32, H: i32, xg: usize, hPrev: usize, dRh: usize, dh: usize, dXg: usize, dHg: usize): void {
  const rowBytes = <usize>H * 4;
  for (let b = 0; b < B; b++) {
    const r = <usize>b * rowBytes;
    const xr = xg + 3 * r, dxr = dXg + 3 * r, dhr = dHg + 3 * r;
    for (let j = 0, lanes = 0; j < H; j += lanes) {
      lanes = lanesAt(j, H);
      const q = <usize>j * 4, o = r + q;
      const rv = ld(xr + q, lanes), d = ld(dRh + o, lanes);
      const dr = f32x4.mul(f32x4.mul(f32x4.mul(d, ld(hPrev + o, lanes)), rv), f32x4.sub(ones(), rv));
      st(dxr + q, dr, lanes); st(dhr + q, dr, lanes);
      st(dh + o, f32x4.add(ld(dh + o, lanes), f32x4.mul(d, rv)), lanes);
    }
  }
}
