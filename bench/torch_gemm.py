#!/usr/bin/python3
"""OpenBLAS GEMM through torch.mm on the products of bench/gemm.ts (passed as JSON), GFLOP/s, the
median of 7 timed batches; one JSON line per product. Usage: torch_gemm.py PRODUCTS_JSON --threads N
(run with OPENBLAS_NUM_THREADS=N)."""
import json, sys, time
import torch

products = json.loads(sys.argv[1])
threads = int(sys.argv[sys.argv.index("--threads") + 1])
torch.set_num_threads(threads)
for p in products:
    m, n, k = p["m"], p["n"], p["k"]
    a = torch.rand(k, m).t() if p["transA"] else torch.rand(m, k)
    b = torch.rand(n, k).t() if p["transB"] else torch.rand(k, n)
    torch.mm(a, b)
    reps = max(5, -(-300_000_000 // (m * n * k)))
    times = []
    for _ in range(7):
        t0 = time.perf_counter()
        for _ in range(reps):
            torch.mm(a, b)
        times.append((time.perf_counter() - t0) / reps)
    print(json.dumps({"label": p["label"], "gflops": 2 * m * n * k / sorted(times)[3] / 1e9}), flush=True)
