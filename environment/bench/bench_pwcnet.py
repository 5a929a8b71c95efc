"""PyTorch side of `./kit bench pwcnet`: one stage-1 training step of the reference PWC-Net
(both directions + ψ photometric loss of DDFlow phase A + backward + Adam), median time in ms, as JSON.

Usage: /usr/bin/python3 bench_pwcnet.py THREADS STEPS CONFIG.json BATCH HEIGHT WIDTH
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference"))
from pwcnet_reference import PwcNet, warp  # noqa: E402

threads, steps, cfg_path, batch, h, w = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
torch.set_num_threads(threads)
torch.manual_seed(0)
net = PwcNet(json.load(open(cfg_path)))
opt = torch.optim.Adam(net.parameters(), lr=1e-4)
i1, i2 = torch.rand(batch, 3, h, w), torch.rand(batch, 3, h, w)


def psi(d):
    """DDFlow's robust penalty with an all-ones mask, in the kit's form: Σ m·(|d| + 0.01)^0.4 / (2·Σ m + 1e-6)."""
    m = torch.ones(d.shape[0], 1, d.shape[2], d.shape[3])
    return (((d.abs() + 0.01) ** 0.4) * m).sum() / (m.sum() * 2 + 1e-6)


times = []
for s in range(steps + 2):
    t = time.perf_counter()
    opt.zero_grad()
    fw, bw = net.forward_both(i1, i2)
    loss = psi(i1 - warp(i2, fw)) + psi(i2 - warp(i1, bw))
    loss.backward()
    opt.step()
    if s >= 2:
        times.append(time.perf_counter() - t)
print(json.dumps({"step_ms": statistics.median(times) * 1e3, "threads": torch.get_num_threads(), "torch": torch.__version__, "python": sys.version.split()[0]}))
