/**
 * One (workload, backend, threads) measurement in its own process, so that its peak memory is its
 * own: `tsx bench/child.ts W1 reference 1 5` prints one JSON line
 * {"rates": [...], "steps_per_rep": n, "peak_rss_mb": m}. Started by bench/run.ts.
 */
import type { Backend } from '../src/backend/backend.ts';
import { registerBackend, setBackend, getBackend } from '../src/backend/registry.ts';
import { WORKLOADS, WORKLOAD_IDS, measure, type WorkloadId } from './workloads.ts';

/** A backend by name, and how to release it (worker threads) when done. */
async function openBackend(name: string, threads: number): Promise<{ backend: Backend; close(): void }> {
  if (name === 'wasm') {
    const { createWasmBackend } = await import('../src/backend/wasm/index.ts');
    const backend = await createWasmBackend({ threads });
    return { backend, close: () => backend.close() };
  }
  return { backend: getBackend(name), close: () => {} };
}

const [workloadId, backendName, threadsArg, repsArg] = process.argv.slice(2);
if (!WORKLOAD_IDS.includes(workloadId as WorkloadId)) throw new Error(`bench/child.ts: unknown workload ${workloadId}`);
const { backend, close } = await openBackend(backendName, Number(threadsArg));
registerBackend(backend);
setBackend(backend.name);
const { rates, stepsPerRep } = measure(WORKLOADS[workloadId as WorkloadId], backend, Number(repsArg));
close();
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ rates, steps_per_rep: stepsPerRep, peak_rss_mb: peakRssMb }));
