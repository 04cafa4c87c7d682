// A GEMM worker (Node worker_threads): instantiates the kernel module over the backend's shared
// memory and computes its slab of every product announced in the control block (see threads.ts
// for the protocol and slot layout; Slot and Op values are repeated here because this file is
// plain JavaScript so that workers start without a TypeScript loader).
import { parentPort, workerData } from 'node:worker_threads';

const GENERATION = 0, DONE = 1, OP = 2, PARTS = 3, STOP = 1;
const { module, memory, control, scratch, part, spin } = workerData;
const { exports: k } = await WebAssembly.instantiate(module, { env: { memory } });
k.gemmInit(scratch);
const ctrl = new Int32Array(memory.buffer, control, 17);
const ctrlF = new Float32Array(memory.buffer, control, 17);
let seen = Atomics.load(ctrl, GENERATION);
parentPort.postMessage('ready');

for (;;) {
  for (let i = 0; i < spin && Atomics.load(ctrl, GENERATION) === seen; i++);
  Atomics.wait(ctrl, GENERATION, seen);
  seen = Atomics.load(ctrl, GENERATION);
  if (ctrl[OP] === STOP) break;
  const parts = ctrl[PARTS];
  k.gemm(ctrl[4], ctrl[5], ctrl[6], ctrl[7], ctrl[8], ctrlF[15], ctrl[9], ctrl[10], ctrl[11], ctrl[12], ctrlF[16], ctrl[13], ctrl[14], part, parts);
  if (Atomics.add(ctrl, DONE, 1) === parts - 2) Atomics.notify(ctrl, DONE);
}
