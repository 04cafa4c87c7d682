/**
 * Reverse-mode autograd over a dynamic graph: each op that has an input requiring a gradient links
 * its output to a GradNode; `backward(root)` walks the graph in reverse topological order.
 */
import type { F32 } from '../backend/backend.ts';
import { Tensor, allocate, releaseStorage, type GradNode } from '../tensor/tensor.ts';
import { ShapeError, formatShape } from '../errors.ts';

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording any op for autograd. */
export function noGrad<T>(fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** True when an op over these inputs must be recorded. */
export function needsGrad(...inputs: readonly (Tensor | null | undefined)[]): boolean {
  return gradEnabled && inputs.some((t) => t?.requiresGrad);
}

/** Records `out` as produced by an op over `inputs`, if any of them requires a gradient. */
export function record(out: Tensor, name: string, inputs: readonly Tensor[], backward: GradNode['backward']): Tensor {
  if (needsGrad(...inputs)) {
    out.requiresGrad = true;
    out.gradNode = { name, inputs, backward };
  }
  return out;
}

/** The gradient accumulator of a leaf: `leaf.grad`, allocated on first use outside any tidy scope. */
function leafGrad(leaf: Tensor): F32 {
  if (!leaf.grad) leaf.grad = new Tensor(leaf.backend.alloc(leaf.size, 'float32'), leaf.shape, 'float32', leaf.backend);
  return leaf.grad.f32;
}

/**
 * Accumulates d(root)/d(leaf) into `leaf.grad` for every leaf that requires a gradient.
 * `gradRoot` defaults to ones (so a scalar loss needs none).
 */
export function backward(root: Tensor, gradRoot?: Tensor): void {
  if (!root.requiresGrad) throw new ShapeError('backward(root)', 'a tensor that requires grad', `${root} with no gradient path`);
  if (gradRoot && gradRoot.size !== root.size) {
    throw new ShapeError('gradRoot', formatShape(root.shape), formatShape(gradRoot.shape));
  }
  const order = topologicalOrder(root);
  const grads = new Map<Tensor, F32>();
  const backend = root.backend;
  const rootGrad = root.gradNode ? (allocate(backend, root.size, 'float32') as F32) : leafGrad(root);
  if (gradRoot) backend.axpy(1, gradRoot.f32, 0, rootGrad, 0, root.size);
  else if (root.gradNode) backend.fill(rootGrad, 1, root.size, 0);
  else for (let i = 0; i < root.size; i++) rootGrad[i] += 1;
  grads.set(root, rootGrad);

  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const node = t.gradNode!;
    const dOut = grads.get(t);
    if (!dOut) continue;
    node.backward(dOut, (i) => {
      const input = node.inputs[i];
      if (!input.requiresGrad) return null;
      if (!input.gradNode) return leafGrad(input);
      let g = grads.get(input);
      if (!g) {
        g = allocate(input.backend, input.size, 'float32') as F32;
        grads.set(input, g);
      }
      return g;
    });
    grads.delete(t);
    releaseStorage(backend, dOut);
  }
}

/** Non-leaf tensors reachable from root, inputs before the ops that consume them. */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  const stack: [Tensor, number][] = [[root, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const node = t.gradNode;
    if (!node) {
      stack.pop();
      continue;
    }
    if (i === 0) {
      if (visited.has(t)) {
        stack.pop();
        continue;
      }
      visited.add(t);
    }
    if (i < node.inputs.length) {
      top[1]++;
      const input = node.inputs[i];
      if (input.requiresGrad && input.gradNode && !visited.has(input)) stack.push([input, 0]);
    } else {
      stack.pop();
      order.push(t);
    }
  }
  return order;
}
