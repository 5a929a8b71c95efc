"""PyTorch side of `./kit bench raft`: RAFT inference (forward flow, eval mode, no_grad) of the reference network
(tests/reference/raft_reference.py, Raft.forward_flow: the form the kit's inference path computes), served in blocks
so that the C# side can alternate with it.

Usage: /usr/bin/python3 bench_raft.py THREADS CONFIG.json WEIGHTS.safetensors BATCH HEIGHT WIDTH ITERATIONS
  loads the kit's weights (the C# side times the same network on the same images), prints one JSON line (versions,
  threads), then for every line N read from stdin runs N inferences and prints {"ms": median of the N,
  "mean_abs_flow": a checksum of the last flow}; an empty line or end of input ends it.
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference"))
from raft_reference import Raft, load_safetensors  # noqa: E402

threads, cfg_path, weights_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
batch, h, w, iterations = (int(a) for a in sys.argv[4:8])
torch.set_num_threads(threads)
net = Raft(json.load(open(cfg_path)))
net.load_state_dict(load_safetensors(weights_path), strict=True)
net.eval()
g = torch.Generator().manual_seed(0)
i1, i2 = torch.rand(batch, 3, h, w, generator=g), torch.rand(batch, 3, h, w, generator=g)

print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "python": sys.version.split()[0]}), flush=True)
for line in sys.stdin:
    if not line.strip():
        break
    times = []
    with torch.no_grad():
        for _ in range(int(line)):
            t = time.perf_counter()
            flow = net.forward_flow(i1, i2, iterations, "grid_sample")
            times.append(time.perf_counter() - t)
    print(json.dumps({"ms": statistics.median(times) * 1e3, "mean_abs_flow": flow.abs().mean().item()}), flush=True)
