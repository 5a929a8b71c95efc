"""Golden files for DistillKit's nn, optim and serialization tests (run with Debian's python3-torch).

Usage: /usr/bin/python3 make_nn_golden.py OUT_DIR
Writes:
  net.pth          state dict of TinyNet (seed 0), torch.save format
  net_keys.json    its keys in order, with shapes
  net_io.pth       {"x": input, "y": TinyNet(x) in eval mode}
  optim.json       parameter values after 5 steps of SGD(momentum, nesterov, wd), Adam, AdamW on a fixed problem
  sched.json       learning rates of StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, OneCycleLR over 20 steps
  clip.json        gradient norm before clipping and clipped gradients
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class TinyNet(nn.Module):
    """conv1 → blocks[0..1] (conv+bn) → deconv → head (Linear on pooled features)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.blocks = nn.ModuleList([Block(8), Block(8)])
        self.deconv = nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1)
        self.norm = nn.GroupNorm(2, 4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), 0.1)
        for b in self.blocks:
            x = b(x)
        x = self.norm(self.deconv(x))
        return self.head(x.mean(dim=(2, 3)))


net = TinyNet()
with torch.no_grad():  # non-trivial running stats so eval-mode outputs test the buffers too
    for b in net.blocks:
        b.bn.running_mean.uniform_(-0.5, 0.5)
        b.bn.running_var.uniform_(0.5, 1.5)
net.eval()
sd = net.state_dict()
torch.save(sd, os.path.join(out, "net.pth"))
json.dump([[k, list(v.shape)] for k, v in sd.items()], open(os.path.join(out, "net_keys.json"), "w"))
x = torch.randn(2, 3, 16, 16)
torch.save({"x": x, "y": net(x).detach()}, os.path.join(out, "net_io.pth"))

# optimizers: minimise sum((W x - t)^2) from a fixed start
def run(make):
    torch.manual_seed(1)
    w = torch.randn(3, 4, requires_grad=True)
    x = torch.randn(4, 5)
    t = torch.randn(3, 5)
    opt = make([w])
    for _ in range(5):
        opt.zero_grad()
        ((w @ x - t) ** 2).sum().backward()
        opt.step()
    return {"start_seed": 1, "w": w.detach().flatten().tolist()}

problem = {}
torch.manual_seed(1)
w0 = torch.randn(3, 4); x0 = torch.randn(4, 5); t0 = torch.randn(3, 5)
problem["w0"] = w0.flatten().tolist(); problem["x"] = x0.flatten().tolist(); problem["t"] = t0.flatten().tolist()
problem["sgd"] = run(lambda p: torch.optim.SGD(p, lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.01))["w"]
problem["sgd_plain"] = run(lambda p: torch.optim.SGD(p, lr=0.01))["w"]
problem["adam"] = run(lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.01))["w"]
problem["adamw"] = run(lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.1))["w"]
json.dump(problem, open(os.path.join(out, "optim.json"), "w"))

def lrs(make, n=20):
    p = [torch.zeros(1, requires_grad=True)]
    opt = torch.optim.SGD(p, lr=0.1)
    s = make(opt)
    got = []
    for _ in range(n):
        opt.step()
        s.step()
        got.append(opt.param_groups[0]["lr"])
    return got

sched = {
    "step": lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, 5, 0.5)),
    "multistep": lrs(lambda o: torch.optim.lr_scheduler.MultiStepLR(o, [3, 7, 15], 0.1)),
    "exponential": lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.9)),
    "cosine": lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 20, 0.001)),
    "onecycle": lrs(lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=21, pct_start=0.3, cycle_momentum=False)),
}
json.dump(sched, open(os.path.join(out, "sched.json"), "w"))

torch.manual_seed(2)
ps = [torch.randn(3, 3, requires_grad=True), torch.randn(5, requires_grad=True)]
(ps[0].sum() * 3 + (ps[1] ** 2).sum()).backward()
grads = [p.grad.clone() for p in ps]
norm = torch.nn.utils.clip_grad_norm_(ps, 1.0)
json.dump({"params": [p.detach().flatten().tolist() for p in ps], "shapes": [list(p.shape) for p in ps],
           "norm": float(norm), "clipped": [p.grad.flatten().tolist() for p in ps]},
          open(os.path.join(out, "clip.json"), "w"))
