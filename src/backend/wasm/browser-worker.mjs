// A GEMM worker in a browser, a module Web Worker (see gemm-worker.mjs); its first message carries
// the module, the backend's shared memory and the offsets.
import { runGemmWorker } from './gemm-worker.mjs';

self.onmessage = ({ data }) => {
  self.onmessage = null;
  runGemmWorker(data, () => self.postMessage('ready')).catch(reportError);
};
