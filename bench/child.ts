/**
 * One (workload, backend, threads) measurement in its own process, so that its peak memory is its
 * own: `tsx bench/child.ts W1 native 2 5` prints one JSON line
 * {"rates": [...], "steps_per_rep": n, "peak_rss_mb": m}. Started by bench/run.ts.
 */
import '../src/node/backends.ts';
import { useBackend } from '../src/backend/registry.ts';
import { loadWorkloads, measure } from './workload.ts';

const [workloadId, backendName, threadsArg, repsArg] = process.argv.slice(2);
const workload = (await loadWorkloads()).find((w) => w.id === workloadId);
if (!workload) throw new Error(`bench/child.ts: unknown workload ${workloadId}`);
const backend = await useBackend(backendName, Number(threadsArg));
const { rates, stepsPerRep } = measure(workload, backend, Number(repsArg));
(backend as { close?: () => void }).close?.();
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ rates, steps_per_rep: stepsPerRep, peak_rss_mb: peakRssMb }));
