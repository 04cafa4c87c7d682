// The body of a GEMM worker, shared by node-worker.mjs and browser-worker.mjs: instantiates the
// kernel module over the backend's shared memory, reports ready, then runs the team protocol
// (team-protocol.mjs) until the backend closes.
import { SLOT, workerLoop } from './team-protocol.mjs';

/**
 * @param {{ module: WebAssembly.Module, memory: WebAssembly.Memory, control: number, scratch: number, spin: number }} init
 * @param {() => void} ready
 */
export async function runGemmWorker({ module, memory, control, scratch, spin }, ready) {
  const { exports: kernels } = await WebAssembly.instantiate(module, { env: { memory } });
  kernels.gemmInit(scratch);
  const ctrl = new Int32Array(memory.buffer, control, SLOT.count);
  const ctrlF = new Float32Array(memory.buffer, control, SLOT.count);
  ready();
  workerLoop(ctrl, ctrlF, kernels, spin);
}
