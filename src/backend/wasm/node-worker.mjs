// A GEMM worker on Node worker_threads (see gemm-worker.mjs).
import { parentPort, workerData } from 'node:worker_threads';
import { runGemmWorker } from './gemm-worker.mjs';

await runGemmWorker(workerData, () => parentPort.postMessage('ready'));
