"""PyTorch eager side of `./kit bench engine`: the same measurements as the C# side, printed as JSON.

Usage: /usr/bin/python3 bench_engine.py THREADS OPS_ITERS NET_STEPS
"""
import json
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

threads, op_iters, net_steps = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)

# per-operation overhead of a tiny add
a = torch.ones(4)
for _ in range(1000):
    b = a + a
best = float("inf")
for _ in range(5):
    t = time.perf_counter()
    for _ in range(op_iters):
        b = a + a
    best = min(best, (time.perf_counter() - t) / op_iters)


class Net(nn.Module):
    """Six 3x3 convolutions of 64 channels (the first from 3 input channels), ReLU between."""

    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(3 if i == 0 else 64, 64, 3, padding=1) for i in range(6)])

    def forward(self, x):
        for i, c in enumerate(self.convs):
            x = c(x)
            if i < 5:
                x = F.relu(x)
        return x


net = Net()
opt = torch.optim.Adam(net.parameters(), lr=1e-3)
x = torch.randn(8, 3, 64, 64)
times = []
for step in range(net_steps + 3):
    t = time.perf_counter()
    opt.zero_grad()
    loss = net(x).pow(2).mean()
    loss.backward()
    opt.step()
    if step >= 3:
        times.append(time.perf_counter() - t)
print(json.dumps({"add_us": best * 1e6, "net_step_ms": statistics.median(times) * 1e3, "threads": torch.get_num_threads(), "torch": torch.__version__, "python": sys.version.split()[0]}))
