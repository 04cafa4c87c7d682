/**
 * Reverse-mode autograd over a dynamic graph: each op that has an input requiring a gradient links
 * its output to a GradNode; `backward(root)` walks the graph in reverse topological order.
 */
import type { F32 } from '../backend/backend.ts';
import { Allocation, Tensor, allocate, release, type GradNode } from '../tensor/tensor.ts';
import { DisposedError, GraphError, ShapeError, formatShape } from '../errors.ts';

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

/**
 * Records `out` as produced by an op over `inputs`, if any of them requires a gradient. `saved`
 * lists the other tensors the backward function reads (buffers kept from the forward pass), so
 * that `backward` can refuse a graph whose buffers were freed before it touches any of them.
 */
export function record(
  out: Tensor, name: string, inputs: readonly Tensor[], backward: GradNode['backward'], saved: readonly Tensor[] = [],
): Tensor {
  if (needsGrad(...inputs)) {
    out.requiresGrad = true;
    out.gradNode = { name, inputs, saved, backward, consumed: false };
  }
  return out;
}

/** The gradient accumulator of a leaf: `leaf.grad`, allocated on first use outside any tidy scope. */
function leafGrad(leaf: Tensor): F32 {
  if (!leaf.grad) leaf.grad = new Tensor(new Allocation(leaf.backend.alloc(leaf.size, 'float32'), leaf.backend), leaf.shape, 'float32');
  return leaf.grad.f32;
}

export interface BackwardOptions {
  /**
   * Keep the graph usable for another backward pass (PyTorch's retain_graph). Without it, a
   * second backward through any op of this graph throws a GraphError.
   */
  retainGraph?: boolean;
}

/**
 * Accumulates d(root)/d(leaf) into `leaf.grad` for every leaf that requires a gradient.
 * `gradRoot` defaults to ones (so a scalar loss needs none).
 *
 * Throws a GraphError, before changing any gradient, when a tensor the pass would read was freed
 * (by dispose(), or by a tidy that returned while the graph was still wanted: call backward inside
 * the tidy that built the graph), or when an earlier backward without `retainGraph` went through
 * the graph.
 */
export function backward(root: Tensor, gradRoot?: Tensor | null, options: BackwardOptions = {}): void {
  if (root.isDisposed) throw new DisposedError(root.toString());
  if (!root.requiresGrad) throw new ShapeError('backward(root)', 'a tensor that requires grad', `${root} with no gradient path`);
  if (gradRoot && gradRoot.size !== root.size) {
    throw new ShapeError('gradRoot', formatShape(root.shape), formatShape(gradRoot.shape));
  }
  const order = topologicalOrder(root);
  checkWalkable(order);
  const grads = new Map<Tensor, Allocation>();
  const backend = root.backend;
  const gradBuffer = (t: Tensor): F32 => {
    let g = grads.get(t);
    if (!g) {
      g = allocate(t.backend, t.size, 'float32');
      grads.set(t, g);
    }
    return g.data as F32;
  };
  const rootGrad = root.gradNode ? gradBuffer(root) : leafGrad(root);
  if (gradRoot) backend.axpy(1, gradRoot.f32, 0, rootGrad, 0, root.size);
  else if (root.gradNode) backend.fill(rootGrad, 1, root.size, 0);
  else for (let i = 0; i < root.size; i++) rootGrad[i] += 1;

  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const node = t.gradNode!;
    const dOut = grads.get(t);
    if (!dOut) continue;
    node.backward(dOut.data as F32, (i) => {
      const input = node.inputs[i];
      if (!input.requiresGrad) return null;
      return input.gradNode ? gradBuffer(input) : leafGrad(input);
    });
    grads.delete(t);
    release(dOut);
  }
  if (!options.retainGraph) for (const t of order) t.gradNode!.consumed = true;
}

/** Throws unless every op of the graph (order: inputs first) can run its backward: not consumed, all it reads still live. */
function checkWalkable(order: readonly Tensor[]): void {
  for (let k = order.length - 1; k >= 0; k--) {
    const t = order[k];
    const node = t.gradNode!;
    if (node.consumed) {
      throw new GraphError(
        `backward: the graph through op "${node.name}" was already used by an earlier backward(); ` +
          'pass { retainGraph: true } to that earlier backward() to go through the same graph again',
      );
    }
    const freed = [t, ...node.inputs, ...node.saved].find((x) => x.isDisposed);
    if (freed) {
      const role = freed === t ? 'its output' : node.inputs.includes(freed) ? `its input ${freed}` : `a buffer it saved, ${freed}`;
      throw new GraphError(
        `backward: the graph was freed: op "${node.name}" needs ${role}, which was disposed ` +
          '(by dispose() or when the tidy() that made it returned); call backward() inside the tidy() that built the graph',
      );
    }
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
