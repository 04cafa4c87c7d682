/**
 * A chain of seeded matrix products X ← X·W, each far above the wasm backend's threshold for
 * splitting products across its GEMM team (2^19 multiply-adds) and back to back, so that the
 * workers of a multi-threaded backend are awake and claim slabs; every slab flows into the result.
 */
import type { Backend } from '../../src/backend/backend.ts';
import { Random } from '../../src/tensor/random.ts';
import { tensor, tidy } from '../../src/tensor/tensor.ts';
import { matmul } from '../../src/ops/basic.ts';
import { copyOut, type RunTensor } from '../reference/run-rnn-layer.ts';

const ROWS = 512, SIZE = 256, PRODUCTS = 8;

export function teamProduct(backend: Backend): RunTensor {
  const rng = new Random(7);
  const values = (n: number, bound: number): number[] => Array.from({ length: n }, () => rng.uniform(-bound, bound));
  return tidy(() => {
    // W's scale keeps the entries' variance from step to step.
    const w = tensor(values(SIZE * SIZE, Math.sqrt(3 / SIZE)), [SIZE, SIZE], { backend });
    let x = tensor(values(ROWS * SIZE, 1), [ROWS, SIZE], { backend });
    for (let i = 0; i < PRODUCTS; i++) x = matmul(x, w);
    return copyOut(x);
  });
}
