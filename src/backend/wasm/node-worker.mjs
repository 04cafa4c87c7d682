// A GEMM worker on Node worker_threads: instantiates the kernel module over the backend's shared
// memory and runs the team protocol (team-protocol.mjs) until the backend closes.
import { parentPort, workerData } from 'node:worker_threads';
import { SLOT, workerLoop } from './team-protocol.mjs';

const { module, memory, control, scratch, spin } = workerData;
const { exports: kernels } = await WebAssembly.instantiate(module, { env: { memory } });
kernels.gemmInit(scratch);
const ctrl = new Int32Array(memory.buffer, control, SLOT.count);
const ctrlF = new Float32Array(memory.buffer, control, SLOT.count);
parentPort.postMessage('ready');
workerLoop(ctrl, ctrlF, kernels.gemm, spin);
