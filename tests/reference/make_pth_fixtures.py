"""torch.save fixtures for the managed .pth reader (tests/Torch/PthReaderTests.cs).

Usage: /usr/bin/python3 make_pth_fixtures.py OUT_DIR

Writes to OUT_DIR:
  state_dict.pth   nn.Sequential(Conv2d(3,4,3), BatchNorm2d(4)).state_dict(): an OrderedDict with _metadata,
                   running stats after two training steps, int64 num_batches_tracked = 2
  checkpoint.pth   {"model": that state dict, "epoch": 3, "lr": 0.1, "name": "x", "history": [1.5, 2.5],
                    "flags": (True, None), "big": 2**40, "neg": -5, "steps": {0: 7}}
  views.pth        {"base": 3x4 arange, "t": base.t(), "s": base[1:, 1:3], "col": base[:, 1], "row": base[2],
                    "again": base} (all share one storage; t, s and col are non-contiguous, s/col/row have
                   offsets; "again" is the same tensor object as "base", pickled once and memoized)
  dtypes.pth       float64, float16, bfloat16, bool, uint8, int8, int32, a 0-d float and an empty tensor
  param.pth        {"w": nn.Parameter(2x2)} (pickled through _rebuild_parameter, requires_grad True)
  counter.pth      {"x": collections.Counter()}: a class the reader must refuse
  custom.pth       {"x": Foo()} with Foo defined here (__main__.Foo): refused too
  legacy.pth       a state dict in the pre-1.6 format (_use_new_zipfile_serialization=False)
  expected.json    per file and key: dtype, shape, sum (float64) and the row-major values
"""
import collections
import json
import os
import sys

import torch
import torch.nn as nn

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)


def save(obj, name, **kw):
    torch.save(obj, os.path.join(out, name), **kw)


def describe(t):
    return {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
            "sum": float(t.double().sum()), "values": t.double().flatten().tolist()}


net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
net.train()
for _ in range(2):  # moves the running stats and counts num_batches_tracked
    net(torch.randn(2, 3, 6, 6))
sd = net.state_dict()
save(sd, "state_dict.pth")
save({"model": sd, "epoch": 3, "lr": 0.1, "name": "x", "history": [1.5, 2.5], "flags": (True, None),
      "big": 2 ** 40, "neg": -5, "steps": {0: 7}}, "checkpoint.pth")

base = torch.arange(12, dtype=torch.float32).view(3, 4)
views = {"base": base, "t": base.t(), "s": base[1:, 1:3], "col": base[:, 1], "row": base[2], "again": base}
save(views, "views.pth")

dtypes = {
    "f64": torch.tensor([1.25, -2.5, 1e300], dtype=torch.float64),
    "f16": torch.tensor([0.5, -1.5, 65504.0], dtype=torch.float16),
    "bf16": torch.tensor([1.0, -3.0, 0.015625], dtype=torch.bfloat16),
    "bool": torch.tensor([True, False, True, True]),
    "u8": torch.tensor([0, 7, 255], dtype=torch.uint8),
    "i8": torch.tensor([-128, 5, 127], dtype=torch.int8),
    "i32": torch.tensor([[-7, 100000], [3, 4]], dtype=torch.int32),
    "scalar": torch.tensor(2.5),
    "empty": torch.zeros(0, 3),
}
save(dtypes, "dtypes.pth")

save({"w": nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))}, "param.pth")
save({"x": collections.Counter("aab")}, "counter.pth")


class Foo:
    pass


save({"x": Foo()}, "custom.pth")
save(sd, "legacy.pth", _use_new_zipfile_serialization=False)

expected = {
    "state_dict": {k: describe(v) for k, v in sd.items()},
    "views": {k: describe(v) for k, v in views.items()},
    "dtypes": {k: describe(v) for k, v in dtypes.items()},
}
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f)
