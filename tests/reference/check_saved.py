"""Reads files DistillKit wrote and prints a JSON summary, independently of the kit.

Usage: /usr/bin/python3 check_saved.py FILE.safetensors|FILE.pth
safetensors is parsed by hand (8-byte little-endian header length, JSON header, raw data), since Debian has no
python3-safetensors; .pth goes through torch.load.
"""
import json
import struct
import sys

import torch

path = sys.argv[1]
result = {}
if path.endswith(".safetensors"):
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    base = 8 + n
    for name, info in header.items():
        if name == "__metadata__":
            result[name] = info
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(bytearray(blob[base + a:base + b]), dtype=dtypes[info["dtype"]]).reshape(info["shape"])
        result[name] = {"shape": list(t.shape), "sum": float(t.double().sum())}
else:
    for name, t in torch.load(path).items():
        result[name] = {"shape": list(t.shape), "sum": float(t.double().sum())}
print(json.dumps(result))
