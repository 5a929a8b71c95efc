"""PyTorch side of `./kit bench pwcnet`: stage-1 training steps of the reference PWC-Net (both directions + ψ
photometric loss of DDFlow phase A + backward + Adam), served in blocks so that the C# side can alternate with it.

Usage: /usr/bin/python3 bench_pwcnet.py THREADS CONFIG.json BATCH HEIGHT WIDTH
  builds the model, prints one JSON line (versions, threads), then for every line N read from stdin runs N steps
  and prints {"step_ms": median of the N, "parts_ms": medians of forward (with zero_grad and loss), backward,
  optimizer}; an empty line or end of input ends it.
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "reference"))
from pwcnet_reference import PwcNet, warp  # noqa: E402

threads, cfg_path, batch, h, w = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
torch.set_num_threads(threads)
torch.manual_seed(0)
net = PwcNet(json.load(open(cfg_path)))
opt = torch.optim.Adam(net.parameters(), lr=1e-4)
i1, i2 = torch.rand(batch, 3, h, w), torch.rand(batch, 3, h, w)


def psi(d):
    """DDFlow's robust penalty with an all-ones mask, in the kit's form: Σ m·(|d| + 0.01)^0.4 / (2·Σ m + 1e-6)."""
    m = torch.ones(d.shape[0], 1, d.shape[2], d.shape[3])
    return (((d.abs() + 0.01) ** 0.4) * m).sum() / (m.sum() * 2 + 1e-6)


def step():
    """One step; the seconds of its parts: forward (incl. zero_grad and loss), backward, optimizer."""
    t0 = time.perf_counter()
    opt.zero_grad()
    fw, bw = net.forward_both(i1, i2)
    loss = psi(i1 - warp(i2, fw)) + psi(i2 - warp(i1, bw))
    t1 = time.perf_counter()
    loss.backward()
    t2 = time.perf_counter()
    opt.step()
    return t1 - t0, t2 - t1, time.perf_counter() - t2


print(json.dumps({"threads": torch.get_num_threads(), "torch": torch.__version__, "python": sys.version.split()[0]}), flush=True)
for line in sys.stdin:
    if not line.strip():
        break
    times, parts = [], []
    for _ in range(int(line)):
        t = time.perf_counter()
        parts.append(step())
        times.append(time.perf_counter() - t)
    print(json.dumps({"step_ms": statistics.median(times) * 1e3,
                      "parts_ms": [statistics.median(p[i] for p in parts) * 1e3 for i in range(3)]}), flush=True)
