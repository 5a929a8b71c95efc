"""Writes a real PyTorch state dict with torch.save (an OrderedDict from nn.Module.state_dict()), for the kit to read.

Usage: /usr/bin/python3 write_state_dict.py OUT.pth
The module is Linear(4, 2) named "a" plus BatchNorm1d(2) named "bn"; weights are arange values so the C# test knows them.
"""
import sys

import torch
import torch.nn as nn


class Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 2)
        self.bn = nn.BatchNorm1d(2)


m = Tiny()
with torch.no_grad():
    m.a.weight.copy_(torch.arange(8, dtype=torch.float32).view(2, 4))
    m.a.bias.copy_(torch.tensor([0.5, -0.5]))
    m.bn.running_mean.copy_(torch.tensor([1.0, 2.0]))
    m.bn.num_batches_tracked.fill_(3)
torch.save(m.state_dict(), sys.argv[1])
