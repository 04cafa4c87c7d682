/**
 * One (workload, backend, threads) measurement in its own process, so that its peak memory is its
 * own: `tsx bench/child.ts W1 reference 1 5` prints one JSON line
 * {"rates": [...], "steps_per_rep": n, "peak_rss_mb": m}. Started by bench/run.ts.
 */
import { useBackend } from '../src/node/backends.ts';
import { WORKLOADS, WORKLOAD_IDS, measure, type WorkloadId } from './workloads.ts';

const [workloadId, backendName, threadsArg, repsArg] = process.argv.slice(2);
if (!WORKLOAD_IDS.includes(workloadId as WorkloadId)) throw new Error(`bench/child.ts: unknown workload ${workloadId}`);
const backend = await useBackend(backendName, Number(threadsArg));
const { rates, stepsPerRep } = measure(WORKLOADS[workloadId as WorkloadId], backend, Number(repsArg));
(backend as { close?: () => void }).close?.();
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ rates, steps_per_rep: stepsPerRep, peak_rss_mb: peakRssMb }));
