/** The page's side of the compute worker: requests as promises, training events to listeners. */
import type { Request, TrainEvent, WorkerMessage } from '../protocol.ts';

export class WorkerClient {
  private readonly worker = new Worker('/worker.js', { type: 'module' });
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((event: TrainEvent) => void)[] = [];
  /** Resolves to the backend's description once the worker has started it. */
  readonly ready: Promise<{ backend: string; threads: number }>;

  constructor() {
    let started!: (info: { backend: string; threads: number }) => void;
    this.ready = new Promise((resolve) => { started = resolve; });
    this.worker.onmessage = ({ data }: MessageEvent<WorkerMessage>) => {
      if ('id' in data) {
        const waiter = this.waiting.get(data.id);
        this.waiting.delete(data.id);
        if (data.ok) waiter?.resolve(data.result);
        else waiter?.reject(new Error(data.error));
      } else if (data.type === 'ready') {
        started(data);
      } else {
        for (const listener of this.listeners) listener(data);
      }
    };
    this.worker.onerror = (e) => {
      const error = new Error(`the compute worker failed: ${e.message}`);
      for (const waiter of this.waiting.values()) waiter.reject(error);
      this.waiting.clear();
    };
  }

  request<T>(request: Request, transfer: Transferable[] = []): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, request }, transfer);
    });
  }

  onTrainEvent(listener: (event: TrainEvent) => void): void {
    this.listeners.push(listener);
  }
}
