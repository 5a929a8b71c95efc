"""PyTorch side of `./kit bench fastflownet`: inference of the reference FastFlowNet (forward flow only, eval, no_grad,
the pyramids of both images in one batch and the correlation form CONFIG names, as the kit computes it), served in
blocks so that the C# side can alternate with it.

Usage: /usr/bin/python3 bench_fastflownet.py THREADS CONFIG.json BATCH HEIGHT WIDTH
  builds the model, prints one JSON line (versions, threads), then for every line N read from stdin runs N inferences
  and prints {"step_ms": median wall time of the N, "cpu_ms": process CPU time of the N / N}; an empty line or end of
  input ends it.
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference"))
from fastflownet_reference import FastFlowNet  # noqa: E402

threads, cfg_path, batch, h, w = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(0)
net = FastFlowNet(json.load(open(cfg_path))).eval()
i1, i2 = torch.rand(batch, 3, h, w), torch.rand(batch, 3, h, w)

print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "python": sys.version.split()[0]}), flush=True)
for line in sys.stdin:
    if not line.strip():
        break
    times = []
    cpu = time.process_time()
    with torch.no_grad():
        for _ in range(int(line)):
            t = time.perf_counter()
            net.forward_flow(i1, i2)
            times.append(time.perf_counter() - t)
    cpu = (time.process_time() - cpu) / int(line)
    print(json.dumps({"step_ms": statistics.median(times) * 1e3, "cpu_ms": cpu * 1e3}), flush=True)
