/**
 * Letting the event loop run (signals, I/O, a browser's rendering) inside long synchronous work,
 * without the ≥ 1 ms clamp of `setTimeout(0)`: `setImmediate` in Node, a MessageChannel elsewhere.
 */

/** Resolves on the next turn of the event loop. */
export function nextTurn(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Yields to the event loop at most once per `sliceMs` of work: call `maybeYield()` often, await what it returns. */
export class TimeSlicer {
  private last = performance.now();

  constructor(private readonly sliceMs = 10) {}

  /** A promise to await when the slice is used up, else null (keep working). */
  maybeYield(): Promise<void> | null {
    const now = performance.now();
    if (now - this.last < this.sliceMs) return null;
    this.last = now;
    return nextTurn();
  }
}
