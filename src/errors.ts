/** Typed errors for bad input at the public API: each names the argument, what was expected and what came. */

export class RnnkitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor argument whose rank or dimensions do not fit. */
export class ShapeError extends RnnkitError {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${argument}: expected shape ${expected}, got ${actual}`);
  }
}

/** An argument whose value is out of range or of the wrong kind. */
export class ValueError extends RnnkitError {
  constructor(
    readonly argument: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${argument}: expected ${expected}, got ${actual}`);
  }
}

/**
 * A model file rnnkit cannot read or run: truncated or of another format, or using an operator,
 * attribute or layer that rnnkit does not support. `format` names the kind of file ("ONNX model",
 * "TensorFlow.js model"); the message is one line.
 */
export class ModelFormatError extends RnnkitError {
  constructor(
    readonly format: string,
    readonly detail: string,
  ) {
    super(`${format}: ${detail}`);
  }
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
