#!/usr/bin/python3
"""Writes the operator golden files that tests/Torch/OpGoldenTests.cs compares the kit against.

Usage: /usr/bin/python3 tests/reference/make_op_golden.py OUT_DIR   (Debian's python3-torch, libtorch 1.13.1)

Each case is one file OUT_DIR/<family>/<case>.bin:
  b"DKG1", uint32 little-endian header length, UTF-8 JSON header, then raw little-endian tensor data.
  header = {"family", "name", "op", "args", "grads": [input names], "tensors": [{"name", "dtype", "shape", "offset"}]}
  tensor names: "in.<name>" inputs, "out.<k>" outputs (tuples and lists flattened), "w.<k>" the fixed random
  weights of each floating output, "grad.<name>" d/d<name> of sum_k (out_k * w_k).sum().
OUT_DIR/manifest.json lists the cases of each family. Every input is drawn from a generator seeded by the case
name, so the files are identical on every run.
"""
import json
import struct
import sys
import zlib
from pathlib import Path

import torch
import torch.nn.functional as F

DTYPES = {torch.float32: "float32", torch.float64: "float64", torch.int64: "int64", torch.bool: "bool"}
CASES = []  # (family, name, op, inputs, args, grads)
_gen = torch.Generator()


def case(family, name, op, args=None, grads=None, **inputs):
    """Registers one case; grads defaults to every floating input."""
    if grads is None:
        grads = [k for k, v in inputs.items() if v is not None and v.is_floating_point()]
    CASES.append((family, name, op, {k: v for k, v in inputs.items() if v is not None}, args or {}, grads))


def seed(key):
    _gen.manual_seed(zlib.crc32(key.encode()))


def randn(*shape, scale=1.0):
    return torch.randn(shape, generator=_gen) * scale


def rand(*shape, lo=0.0, hi=1.0):
    return torch.rand(shape, generator=_gen) * (hi - lo) + lo


def randint(lo, hi, *shape):
    return torch.randint(lo, hi, shape, generator=_gen)


def perm_rows(rows, n, k):
    """[rows, k] int64, each row k distinct indices in [0, n) (unique, so scatter / index_put_ are deterministic)."""
    return torch.stack([torch.randperm(n, generator=_gen)[:k] for _ in range(rows)])


# ---------------------------------------------------------------- the reference implementation of every op name
OPS = {
    # elementwise
    "add": lambda i, a: i["x"] + i["y"], "add_alpha": lambda i, a: torch.add(i["x"], i["y"], alpha=a["alpha"]),
    "add_scalar": lambda i, a: i["x"] + a["s"], "sub": lambda i, a: i["x"] - i["y"], "sub_scalar": lambda i, a: i["x"] - a["s"],
    "rsub_scalar": lambda i, a: a["s"] - i["x"], "mul": lambda i, a: i["x"] * i["y"], "mul_scalar": lambda i, a: i["x"] * a["s"],
    "div": lambda i, a: i["x"] / i["y"], "div_scalar": lambda i, a: i["x"] / a["s"], "rdiv_scalar": lambda i, a: a["s"] / i["x"],
    "div_mode": lambda i, a: torch.div(i["x"], i["y"], rounding_mode=a["mode"]), "neg": lambda i, a: -i["x"],
    "atan2": lambda i, a: torch.atan2(i["x"], i["y"]), "pow_scalar": lambda i, a: i["x"] ** a["e"],
    "pow_tensor": lambda i, a: i["x"] ** i["y"], "pow_scalar_base": lambda i, a: torch.pow(a["s"], i["x"]),
    "maximum": lambda i, a: torch.maximum(i["x"], i["y"]), "minimum": lambda i, a: torch.minimum(i["x"], i["y"]),
    "remainder_scalar": lambda i, a: torch.remainder(i["x"], a["s"]), "remainder": lambda i, a: torch.remainder(i["x"], i["y"]),
    "fmod_scalar": lambda i, a: torch.fmod(i["x"], a["s"]), "leaky_relu_method": lambda i, a: F.leaky_relu(i["x"], a["slope"]),
    "add_": lambda i, a: i["x"].clone().add_(i["y"], alpha=a["alpha"]), "add_scalar_": lambda i, a: i["x"].clone().add_(a["s"]),
    "sub_": lambda i, a: i["x"].clone().sub_(i["y"]), "mul_": lambda i, a: i["x"].clone().mul_(i["y"]),
    "mul_scalar_": lambda i, a: i["x"].clone().mul_(a["s"]), "div_": lambda i, a: i["x"].clone().div_(i["y"]),
    "div_scalar_": lambda i, a: i["x"].clone().div_(a["s"]),
    "addcmul_": lambda i, a: i["x"].clone().addcmul_(i["y"], i["z"], value=a["v"]),
    "addcdiv_": lambda i, a: i["x"].clone().addcdiv_(i["y"], i["z"], value=a["v"]),
    "lerp_": lambda i, a: i["x"].clone().lerp_(i["y"], a["v"]),
    "unary": lambda i, a: getattr(torch, a["f"])(i["x"]), "unary_": lambda i, a: getattr(i["x"].clone(), a["f"] + "_")(),
    # comparisons and logic
    "eq": lambda i, a: i["x"].eq(i["y"]), "ne": lambda i, a: i["x"].ne(i["y"]), "lt": lambda i, a: i["x"].lt(i["y"]),
    "le": lambda i, a: i["x"].le(i["y"]), "gt": lambda i, a: i["x"].gt(i["y"]), "ge": lambda i, a: i["x"].ge(i["y"]),
    "eq_scalar": lambda i, a: i["x"].eq(a["s"]), "ne_scalar": lambda i, a: i["x"].ne(a["s"]), "lt_scalar": lambda i, a: i["x"].lt(a["s"]),
    "le_scalar": lambda i, a: i["x"].le(a["s"]), "gt_scalar": lambda i, a: i["x"].gt(a["s"]), "ge_scalar": lambda i, a: i["x"].ge(a["s"]),
    "logical_and": lambda i, a: i["p"] & i["q"], "logical_or": lambda i, a: i["p"] | i["q"],
    "logical_xor": lambda i, a: torch.logical_xor(i["p"], i["q"]), "logical_not": lambda i, a: ~i["p"],
    "isnan": lambda i, a: i["x"].isnan(), "isfinite": lambda i, a: i["x"].isfinite(),
    # where / clamp / masked_fill
    "where": lambda i, a: torch.where(i["c"], i["x"], i["y"]), "where_method": lambda i, a: i["x"].where(i["c"], i["y"]),
     "masked_fill": lambda i, a: i["x"].masked_fill(i["m"], a["v"]),
    "masked_fill_tensor": lambda i, a: i["x"].masked_fill(i["m"], i["v"]),
    "clamp": lambda i, a: i["x"].clamp(a.get("min"), a.get("max")), "clamp_tensor": lambda i, a: i["x"].clamp(i["lo"], i["hi"]),
    "clamp_min": lambda i, a: i["x"].clamp_min(a["min"]), "clamp_max": lambda i, a: i["x"].clamp_max(a["max"]),
    "clamp_": lambda i, a: i["x"].clone().clamp_(a["min"], a["max"]),
    # reductions
    "sum": lambda i, a: i["x"].sum() if "dims" not in a else i["x"].sum(a["dims"], keepdim=a["keep"]),
    "mean": lambda i, a: i["x"].mean() if "dims" not in a else i["x"].mean(a["dims"], keepdim=a["keep"]),
    "max_all": lambda i, a: i["x"].max(), "min_all": lambda i, a: i["x"].min(),
    "max_dim": lambda i, a: tuple(i["x"].max(a["dim"], keepdim=a["keep"])),
    "min_dim": lambda i, a: tuple(i["x"].min(a["dim"], keepdim=a["keep"])),
    "amax": lambda i, a: i["x"].amax(a["dims"], keepdim=a["keep"]), "amin": lambda i, a: i["x"].amin(a["dims"], keepdim=a["keep"]),
    "argmax": lambda i, a: i["x"].argmax(a.get("dim"), keepdim=a["keep"]), "argmin": lambda i, a: i["x"].argmin(a.get("dim"), keepdim=a["keep"]),
    "var": lambda i, a: torch.var(i["x"], a.get("dims"), unbiased=a["unbiased"], keepdim=a["keep"]),
    "std": lambda i, a: torch.std(i["x"], a.get("dims"), unbiased=a["unbiased"], keepdim=a["keep"]),
    "prod": lambda i, a: i["x"].prod(), "norm": lambda i, a: torch.linalg.vector_norm(i["x"], a["p"], a.get("dims"), a["keep"]),
    "cumsum": lambda i, a: i["x"].cumsum(a["dim"]), "any": lambda i, a: i["p"].any(), "all": lambda i, a: i["p"].all(),
    "sort": lambda i, a: tuple(i["x"].sort(a["dim"], a["descending"])),
    "topk": lambda i, a: tuple(i["x"].topk(a["k"], a["dim"], a["largest"])),
    # views, indexing, joining
    "view": lambda i, a: i["x"].view(a["shape"]), "reshape": lambda i, a: i["x"].permute(a["perm"]).reshape(a["shape"]),
    "permute": lambda i, a: i["x"].permute(a["perm"]), "transpose": lambda i, a: i["x"].transpose(a["d0"], a["d1"]),
    "t": lambda i, a: i["x"].t(), "contiguous": lambda i, a: i["x"].transpose(0, 1).contiguous(),
    "flatten": lambda i, a: i["x"].flatten(a["start"], a["end"]), "unsqueeze": lambda i, a: i["x"].unsqueeze(a["dim"]),
    "squeeze_dim": lambda i, a: i["x"].squeeze(a["dim"]), "squeeze": lambda i, a: i["x"].squeeze(),
    "expand": lambda i, a: i["x"].expand(a["shape"]), "expand_as": lambda i, a: i["x"].expand_as(i["y"]),
    "repeat": lambda i, a: i["x"].repeat(a["reps"]), "narrow": lambda i, a: i["x"].narrow(a["dim"], a["start"], a["len"]),
    "slice": lambda i, a: i["x"][(slice(None),) * a["dim"] + (slice(a["start"], a.get("end"), a["step"]),)],
    "select": lambda i, a: i["x"].select(a["dim"], a["index"]),
    "index": lambda i, a: i["x"][tuple(i.get(f"i{k}", slice(None)) for k in range(a["n"]))],
    "index_put_": lambda i, a: i["x"].clone().index_put_((i["i0"],), i["v"], accumulate=a["acc"]),
    "gather": lambda i, a: i["x"].gather(a["dim"], i["idx"]), "scatter": lambda i, a: i["x"].scatter(a["dim"], i["idx"], i["src"]),
    "flip": lambda i, a: i["x"].flip(a["dims"]), "roll": lambda i, a: i["x"].roll(a["shifts"], a["dims"]),
    "unbind": lambda i, a: i["x"].unbind(a["dim"]), "split": lambda i, a: i["x"].split(a["size"], a["dim"]),
    "chunk": lambda i, a: i["x"].chunk(a["n"], a["dim"]), "cat": lambda i, a: torch.cat([i["x"], i["y"], i["z"]], a["dim"]),
    "stack": lambda i, a: torch.stack([i["x"], i["y"]], a["dim"]), "masked_select": lambda i, a: i["x"].masked_select(i["m"]),
    "nonzero": lambda i, a: i["p"].nonzero(), "idx_int_range": lambda i, a: i["x"][1, :, 1:3],
    "idx_ellipsis_none": lambda i, a: i["x"][..., None, 0], "idx_from_end": lambda i, a: i["x"][:, -2:, :-1],
    "idx_step": lambda i, a: i["x"][:, ::2, 1::2], "pixel_shuffle": lambda i, a: F.pixel_shuffle(i["x"], a["r"]),
    # products
    "mm": lambda i, a: i["x"].mm(i["y"]), "bmm": lambda i, a: i["x"].bmm(i["y"]), "matmul": lambda i, a: i["x"].matmul(i["y"]),
    "einsum": lambda i, a: torch.einsum(a["eq"], i["x"], i["y"]), "linear": lambda i, a: F.linear(i["x"], i["w"], i.get("b")),
    # nn.functional
    "pad": lambda i, a: F.pad(i["x"], a["pad"], a["mode"], a.get("value", 0.0)),
    "interpolate": lambda i, a: F.interpolate(i["x"], size=a.get("size"), scale_factor=a.get("scale"), mode=a["mode"],
                                              align_corners=a.get("align")),
    "grid_sample": lambda i, a: F.grid_sample(i["x"], i["grid"], a["mode"], a["padding"], a["align"]),
    "affine_grid": lambda i, a: F.affine_grid(i["theta"], a["size"], a["align"]),
    "conv2d": lambda i, a: F.conv2d(i["x"], i["w"], i.get("b"), a["stride"], a["padding"], a["dilation"], a["groups"]),
    "conv_transpose2d": lambda i, a: F.conv_transpose2d(i["x"], i["w"], i.get("b"), a["stride"], a["padding"], a["output_padding"],
                                                        a["groups"], a["dilation"]),
    "max_pool2d": lambda i, a: F.max_pool2d(i["x"], a["k"], a.get("stride"), a["padding"], a["dilation"], a["ceil"]),
    "avg_pool2d": lambda i, a: F.avg_pool2d(i["x"], a["k"], a.get("stride"), a["padding"], a["ceil"], a["include_pad"]),
    "adaptive_avg_pool2d": lambda i, a: F.adaptive_avg_pool2d(i["x"], a["size"]),
    "batch_norm": lambda i, a: _batch_norm(i, a),
    "instance_norm": lambda i, a: F.instance_norm(i["x"], weight=i.get("w"), bias=i.get("b"), eps=a["eps"]),
    "group_norm": lambda i, a: F.group_norm(i["x"], a["groups"], i.get("w"), i.get("b"), a["eps"]),
    "layer_norm": lambda i, a: F.layer_norm(i["x"], a["shape"], i.get("w"), i.get("b"), a["eps"]),
    "softmax": lambda i, a: F.softmax(i["x"], a["dim"]), "log_softmax": lambda i, a: F.log_softmax(i["x"], a["dim"]),
    "relu": lambda i, a: F.relu(i["x"]), "leaky_relu": lambda i, a: F.leaky_relu(i["x"], a["slope"]),
    "elu": lambda i, a: F.elu(i["x"], a["alpha"]), "gelu": lambda i, a: F.gelu(i["x"]),
    "softplus": lambda i, a: F.softplus(i["x"], a["beta"], a["threshold"]), "silu": lambda i, a: F.silu(i["x"]),
    "f_sigmoid": lambda i, a: torch.sigmoid(i["x"]), "f_tanh": lambda i, a: torch.tanh(i["x"]),
    "hardtanh": lambda i, a: F.hardtanh(i["x"], a["min"], a["max"]), "dropout_eval": lambda i, a: F.dropout(i["x"], 0.5, False),
    "unfold": lambda i, a: F.unfold(i["x"], a["k"], a["dilation"], a["padding"], a["stride"]),
    "fold": lambda i, a: F.fold(i["x"], a["size"], a["k"], a["dilation"], a["padding"], a["stride"]),
    "mse_loss": lambda i, a: F.mse_loss(i["x"], i["t"], reduction=a["red"]),
    "l1_loss": lambda i, a: F.l1_loss(i["x"], i["t"], reduction=a["red"]),
    "smooth_l1_loss": lambda i, a: F.smooth_l1_loss(i["x"], i["t"], reduction=a["red"], beta=a["beta"]),
    "cross_entropy": lambda i, a: F.cross_entropy(i["x"], i["t"], i.get("w"), reduction=a["red"], ignore_index=a["ignore"],
                                                  label_smoothing=a["smooth"]),
    "bce_logits": lambda i, a: F.binary_cross_entropy_with_logits(i["x"], i["t"], reduction=a["red"]),
    "normalize": lambda i, a: F.normalize(i["x"], a["p"], a["dim"]),
    "cosine_similarity": lambda i, a: F.cosine_similarity(i["x"], i["y"], a["dim"]),
    "one_hot": lambda i, a: F.one_hot(i["x"], a["n"]),
}


def _batch_norm(i, a):
    rm = i["rm"].clone() if "rm" in i else None
    rv = i["rv"].clone() if "rv" in i else None
    y = F.batch_norm(i["x"], rm, rv, i.get("w"), i.get("b"), a["training"], a["momentum"], a["eps"])
    return (y,) + tuple(t for t in (rm, rv) if t is not None)


def at(family, name):
    """Seeds the generator for one case and returns its registration function: at(f, n)(op, args, x=...)."""
    seed(f"{family}/{name}")
    return lambda op, args=None, grads=None, **inputs: case(family, name, op, args, grads, **inputs)


def define_cases():
    E = "elementwise"
    for op, args in [("add", {}), ("add_alpha", {"alpha": 2.5}), ("sub", {}), ("mul", {}), ("atan2", {}),
                     ("maximum", {}), ("minimum", {}), ("add_", {"alpha": -0.5}), ("sub_", {}), ("mul_", {})]:
        at(E, op)(op, args, x=randn(2, 3, 4), y=randn(3, 1))
    for name, op, args in [("div", "div", {}), ("div_", "div_", {}), ("remainder", "remainder", {}), ("pow_tensor", "pow_tensor", {}),
                           ("div_floor", "div_mode", {"mode": "floor"}), ("div_trunc", "div_mode", {"mode": "trunc"})]:
        at(E, name)(op, args, x=rand(2, 3, 4, lo=0.5, hi=3), y=rand(4, lo=0.5, hi=2))
    for op, args in [("add_scalar", {"s": 1.5}), ("sub_scalar", {"s": 0.25}), ("rsub_scalar", {"s": 2.0}), ("mul_scalar", {"s": -3.0}),
                     ("div_scalar", {"s": 4.0}), ("pow_scalar", {"e": 3}), ("pow_scalar_base", {"s": 2.0}),
                     ("remainder_scalar", {"s": 0.75}), ("fmod_scalar", {"s": 0.75}), ("leaky_relu_method", {"slope": 0.1}),
                     ("add_scalar_", {"s": 2}), ("mul_scalar_", {"s": 0.5}), ("div_scalar_", {"s": -2.0})]:
        at(E, op)(op, args, x=randn(3, 5, scale=2))
    at(E, "rdiv_scalar")("rdiv_scalar", {"s": 3.0}, x=rand(3, 5, lo=0.5, hi=2))
    at(E, "pow_frac")("pow_scalar", {"e": 0.5}, x=rand(3, 5, lo=0.5, hi=2))
    for op in ["neg", "abs", "exp", "sin", "cos", "tanh", "sigmoid", "relu", "sign", "floor", "ceil", "round", "trunc", "frac",
               "erf", "square", "expm1"]:
        at(E, op)("unary", {"f": op}, x=randn(3, 5, scale=2))
    for op in ["log", "sqrt", "rsqrt", "reciprocal", "log1p"]:
        at(E, op)("unary", {"f": op}, x=rand(3, 5, lo=0.2, hi=3))
    for op in ["addcmul_", "addcdiv_"]:
        at(E, op)(op, {"v": 0.5}, x=randn(2, 3), y=randn(2, 3), z=rand(3, lo=0.5, hi=2))
    at(E, "lerp_")("lerp_", {"v": 0.3}, x=randn(2, 3), y=randn(2, 3))
    for op in ["exp_", "sigmoid_", "relu_"]:
        at(E, op)("unary_", {"f": op[:-1]}, x=randn(3, 4))
    at(E, "sqrt_")("unary_", {"f": "sqrt"}, x=rand(3, 4, lo=0.2, hi=2))

    C = "comparison"
    for op in ["eq", "ne", "lt", "le", "gt", "ge"]:
        at(C, op)(op, x=randint(-2, 3, 2, 3, 4).float(), y=randint(-2, 3, 3, 1).float())
        at(C, op + "_scalar")(op + "_scalar", {"s": 1.0}, x=randint(-2, 3, 3, 4).float())
    for op in ["logical_and", "logical_or", "logical_xor", "logical_not"]:
        at(C, op)(op, p=rand(2, 3, 4) < 0.5, q=rand(4) < 0.5)
    special = torch.tensor([[0.0, float("nan"), float("inf")], [-float("inf"), 1.5, float("nan")]])
    at(C, "isnan")("isnan", x=special)
    at(C, "isfinite")("isfinite", x=special)

    W = "where_clamp"
    at(W, "where")("where", c=rand(2, 1, 4) < 0.5, x=randn(2, 3, 4), y=randn(3, 4))
    at(W, "where_method")("where_method", c=rand(3, 4) < 0.5, x=randn(3, 4), y=randn(4))
    at(W, "masked_fill")("masked_fill", {"v": -2.5}, x=randn(3, 4), m=rand(4) < 0.5)
    at(W, "masked_fill_tensor")("masked_fill_tensor", x=randn(3, 4), m=rand(3, 4) < 0.5, v=torch.tensor(7.0))
    at(W, "clamp")("clamp", {"min": -0.5, "max": 0.8}, x=randn(4, 5))
    at(W, "clamp_only_min")("clamp", {"min": -0.3}, x=randn(4, 5))
    at(W, "clamp_min")("clamp_min", {"min": -0.3}, x=randn(4, 5))
    at(W, "clamp_max")("clamp_max", {"max": 0.2}, x=randn(4, 5))
    at(W, "clamp_tensor")("clamp_tensor", x=randn(3, 4, scale=2), lo=rand(4, lo=-1.5, hi=-0.5), hi=rand(3, 1, lo=0.2, hi=1.0))
    at(W, "clamp_")("clamp_", {"min": -1, "max": 0.5}, x=randn(4, 5))

    R = "reduction"
    x345 = lambda: randn(3, 4, 5)
    for name, op, args in [("sum", "sum", {}), ("sum_dim", "sum", {"dims": [1], "keep": False}),
                           ("sum_dims_keep", "sum", {"dims": [0, 2], "keep": True}), ("mean", "mean", {}),
                           ("mean_dim_keep", "mean", {"dims": [-1], "keep": True}), ("mean_dims", "mean", {"dims": [0, 1], "keep": False}),
                           ("max_all", "max_all", {}), ("min_all", "min_all", {}), ("max_dim", "max_dim", {"dim": 1, "keep": False}),
                           ("min_dim_keep", "min_dim", {"dim": -1, "keep": True}), ("amax", "amax", {"dims": [1, 2], "keep": False}),
                           ("amin_keep", "amin", {"dims": [0], "keep": True}), ("argmax_all", "argmax", {"keep": False}),
                           ("argmax_dim", "argmax", {"dim": 1, "keep": True}), ("argmin_dim", "argmin", {"dim": 2, "keep": False}),
                           ("var_all", "var", {"unbiased": True, "keep": False}), ("var_dim", "var", {"dims": [1], "unbiased": True, "keep": False}),
                           ("std_dims_biased", "std", {"dims": [0, 2], "unbiased": False, "keep": True}),
                           ("norm2_all", "norm", {"p": 2, "keep": False}), ("norm1_dim", "norm", {"p": 1, "dims": [1], "keep": False}),
                           ("norm2_dim_keep", "norm", {"p": 2, "dims": [-1], "keep": True}), ("cumsum", "cumsum", {"dim": 1}),
                           ("sort", "sort", {"dim": -1, "descending": False}), ("sort_desc", "sort", {"dim": 0, "descending": True}),
                           ("topk", "topk", {"k": 2, "dim": 1, "largest": True}), ("topk_smallest", "topk", {"k": 3, "dim": -1, "largest": False})]:
        at(R, name)(op, args, x=x345())
    at(R, "prod")("prod", x=rand(2, 5, lo=0.5, hi=1.5))
    at(R, "any")("any", p=rand(3, 4) < 0.1)
    at(R, "all")("all", p=rand(3, 4) < 0.9)

    V = "view"
    x234 = lambda: randn(2, 3, 4)
    for name, op, args in [("view", "view", {"shape": [6, 4]}), ("view_infer", "view", {"shape": [-1, 3, 2]}),
                           ("reshape_noncontig", "reshape", {"perm": [2, 0, 1], "shape": [4, -1]}), ("permute", "permute", {"perm": [2, 0, 1]}),
                           ("transpose", "transpose", {"d0": 0, "d1": 2}), ("contiguous", "contiguous", {}),
                           ("flatten", "flatten", {"start": 1, "end": -1}), ("flatten_01", "flatten", {"start": 0, "end": 1}),
                           ("unsqueeze", "unsqueeze", {"dim": 1}), ("unsqueeze_end", "unsqueeze", {"dim": -1}),
                           ("repeat", "repeat", {"reps": [2, 1, 3]}), ("narrow", "narrow", {"dim": 1, "start": 1, "len": 2}),
                           ("slice_step", "slice", {"dim": 2, "start": 1, "step": 2}), ("slice_neg", "slice", {"dim": 1, "start": -2, "end": 3, "step": 1}),
                           ("select", "select", {"dim": 1, "index": -1}), ("flip", "flip", {"dims": [0, 2]}),
                           ("roll", "roll", {"shifts": [1, -1], "dims": [0, 2]}), ("unbind", "unbind", {"dim": 1}),
                           ("split", "split", {"size": 3, "dim": 2}), ("split_sizes", "split", {"size": [1, 3], "dim": 2}),
                           ("chunk", "chunk", {"n": 2, "dim": 1}), ("idx_int_range", "idx_int_range", {}),
                           ("idx_ellipsis_none", "idx_ellipsis_none", {}), ("idx_from_end", "idx_from_end", {}), ("idx_step", "idx_step", {})]:
        at(V, name)(op, args, x=x234())
    at(V, "t")("t", x=randn(3, 5))
    at(V, "squeeze_dim")("squeeze_dim", {"dim": 1}, x=randn(2, 1, 4))
    at(V, "squeeze")("squeeze", x=randn(1, 3, 1, 2))
    at(V, "expand")("expand", {"shape": [2, 3, 5]}, x=randn(3, 1))
    at(V, "expand_as")("expand_as", x=randn(1, 4), y=randn(3, 4), grads=["x"])
    at(V, "index_long")("index", {"n": 1}, x=randn(4, 5), i0=torch.tensor([3, 0, 3, 1]))
    at(V, "index_two")("index", {"n": 2}, x=randn(4, 5), i0=torch.tensor([0, 2, 3]), i1=torch.tensor([4, 0, 1]))
    at(V, "index_second_dim")("index", {"n": 2}, x=randn(3, 5), i1=torch.tensor([[1, 4], [0, 0]]))
    at(V, "index_bool")("index", {"n": 1}, x=randn(3, 4), i0=rand(3, 4) < 0.5)
    at(V, "index_put")("index_put_", {"acc": False}, x=randn(5, 3), i0=torch.tensor([4, 0, 2]), v=randn(3, 3))
    at(V, "index_put_acc")("index_put_", {"acc": True}, x=randn(5, 3), i0=torch.tensor([1, 1, 3]), v=randn(3))
    at(V, "gather")("gather", {"dim": 1}, x=randn(3, 5), idx=randint(0, 5, 3, 4))
    at(V, "scatter")("scatter", {"dim": 1}, x=randn(3, 5), idx=perm_rows(3, 5, 2), src=randn(3, 2))
    at(V, "cat")("cat", {"dim": 1}, x=randn(2, 1, 3), y=randn(2, 2, 3), z=randn(2, 3, 3))
    at(V, "stack")("stack", {"dim": 2}, x=randn(2, 3), y=randn(2, 3))
    at(V, "masked_select")("masked_select", x=randn(3, 4), m=rand(4) < 0.5)
    at(V, "nonzero")("nonzero", p=rand(3, 4) < 0.4)
    at(V, "pixel_shuffle")("pixel_shuffle", {"r": 2}, x=randn(1, 8, 2, 3))

    M = "matmul"
    at(M, "mm")("mm", x=randn(3, 4), y=randn(4, 5))
    at(M, "bmm")("bmm", x=randn(2, 3, 4), y=randn(2, 4, 5))
    at(M, "matmul_broadcast")("matmul", x=randn(2, 1, 3, 4), y=randn(3, 4, 5))
    at(M, "matmul_vec")("matmul", x=randn(3, 4), y=randn(4))
    at(M, "matmul_vec_mat")("matmul", x=randn(4), y=randn(4, 2))
    at(M, "einsum_bmm")("einsum", {"eq": "bij,bjk->bik"}, x=randn(2, 3, 4), y=randn(2, 4, 2))
    at(M, "einsum_channel")("einsum", {"eq": "bchw,bc->bhw"}, x=randn(2, 3, 4, 5), y=randn(2, 3))
    at(M, "linear")("linear", x=randn(2, 3, 4), w=randn(5, 4), b=randn(5))
    at(M, "linear_nobias")("linear", x=randn(3, 4), w=randn(2, 4))

    P = "pad"
    for name, args in [("constant", {"pad": [1, 2, 0, 1], "mode": "constant", "value": 0.5}), ("constant_last", {"pad": [2, 1], "mode": "constant"}),
                       ("reflect", {"pad": [2, 1, 1, 3], "mode": "reflect"}), ("replicate", {"pad": [3, 0, 2, 1], "mode": "replicate"})]:
        at(P, name)("pad", args, x=randn(1, 2, 4, 5))

    I = "interpolate"
    for name, args in [("nearest_size", {"size": [7, 3], "mode": "nearest"}), ("nearest_scale2", {"scale": 2.0, "mode": "nearest"}),
                       ("bilinear_up", {"size": [7, 9], "mode": "bilinear", "align": False}),
                       ("bilinear_up_align", {"size": [7, 9], "mode": "bilinear", "align": True}),
                       ("bilinear_down", {"size": [3, 2], "mode": "bilinear", "align": False}),
                       ("bilinear_down_align", {"size": [3, 2], "mode": "bilinear", "align": True}),
                       ("bilinear_scale2", {"scale": 2.0, "mode": "bilinear", "align": False}),
                       ("bilinear_scale_half_align", {"scale": 0.5, "mode": "bilinear", "align": True}),
                       ("bicubic_up", {"size": [6, 8], "mode": "bicubic", "align": False})]:
        at(I, name)("interpolate", args, x=randn(1, 2, 4, 5))

    G = "grid_sample"
    for mode in ["bilinear", "nearest"]:
        for padding in ["zeros", "border"]:
            for align in [True, False]:
                at(G, f"{mode}_{padding}_{str(align).lower()}")("grid_sample", {"mode": mode, "padding": padding, "align": align},
                                                                x=randn(2, 3, 5, 6), grid=rand(2, 4, 3, 2, lo=-1.2, hi=1.2))
    at(G, "bilinear_reflection_false")("grid_sample", {"mode": "bilinear", "padding": "reflection", "align": False},
                                       x=randn(1, 2, 4, 5), grid=rand(1, 3, 3, 2, lo=-1.5, hi=1.5))
    at(G, "bicubic_zeros_true")("grid_sample", {"mode": "bicubic", "padding": "zeros", "align": True},
                                x=randn(1, 2, 4, 5), grid=rand(1, 3, 3, 2, lo=-1.1, hi=1.1))
    for align in [True, False]:
        at(G, f"affine_grid_{str(align).lower()}")("affine_grid", {"size": [2, 3, 4, 5], "align": align}, theta=randn(2, 2, 3, scale=0.5))

    CV = "conv2d"
    base = {"stride": 1, "padding": 0, "dilation": 1, "groups": 1}
    for name, args, w_shape, bias in [("basic", {}, (6, 4, 3, 3), True), ("stride2_pad1", {"stride": 2, "padding": 1}, (6, 4, 3, 3), True),
                                      ("dilation2_pad2", {"dilation": 2, "padding": 2}, (6, 4, 3, 3), True),
                                      ("groups2", {"groups": 2, "padding": 1}, (6, 2, 3, 3), True), ("k1_nobias", {}, (5, 4, 1, 1), False),
                                      ("pairs", {"stride": [1, 2], "padding": [2, 1], "dilation": [2, 1]}, (6, 4, 3, 5), True)]:
        at(CV, name)("conv2d", dict(base, **args), x=randn(2, 4, 7, 8), w=randn(*w_shape, scale=0.3),
                     b=randn(w_shape[0]) if bias else None)

    CT = "conv_transpose2d"
    base = {"stride": 1, "padding": 0, "output_padding": 0, "groups": 1, "dilation": 1}
    for name, args, w_shape, bias in [("basic", {}, (4, 3, 3, 3), True),
                                      ("stride2_pad1_outpad1", {"stride": 2, "padding": 1, "output_padding": 1}, (4, 3, 3, 3), True),
                                      ("groups2", {"groups": 2, "stride": 2}, (4, 2, 3, 3), True),
                                      ("dilation2_nobias", {"dilation": 2}, (4, 3, 2, 2), False)]:
        out_channels = w_shape[1] * args.get("groups", 1)
        at(CT, name)("conv_transpose2d", dict(base, **args), x=randn(2, 4, 5, 6), w=randn(*w_shape, scale=0.3),
                     b=randn(out_channels) if bias else None)

    PL = "pool"
    mp = {"padding": 0, "dilation": 1, "ceil": False}
    ap = {"padding": 0, "ceil": False, "include_pad": True}
    for name, op, args in [("max_k2", "max_pool2d", dict(mp, k=2)), ("max_k3_s2_p1", "max_pool2d", dict(mp, k=3, stride=2, padding=1)),
                           ("max_k3_s2_ceil", "max_pool2d", dict(mp, k=3, stride=2, ceil=True)),
                           ("max_k2_s1_dil2", "max_pool2d", dict(mp, k=2, stride=1, dilation=2)), ("avg_k2", "avg_pool2d", dict(ap, k=2)),
                           ("avg_k3_s2_p1", "avg_pool2d", dict(ap, k=3, stride=2, padding=1)),
                           ("avg_k3_s2_p1_nopad", "avg_pool2d", dict(ap, k=3, stride=2, padding=1, include_pad=False)),
                           ("avg_k3_s2_ceil", "avg_pool2d", dict(ap, k=3, stride=2, ceil=True)),
                           ("adaptive_1x1", "adaptive_avg_pool2d", {"size": [1, 1]}), ("adaptive_3x5", "adaptive_avg_pool2d", {"size": [3, 5]}),
                           ("adaptive_same", "adaptive_avg_pool2d", {"size": [7, 8]})]:
        at(PL, name)(op, args, x=randn(2, 3, 7, 8))

    N = "norm"
    bn = {"momentum": 0.1, "eps": 1e-5}
    at(N, "batch_norm_train")("batch_norm", dict(bn, training=True), grads=["x", "w", "b"], x=randn(4, 3, 5, 5, scale=2) + 1,
                              w=randn(3), b=randn(3), rm=randn(3), rv=rand(3, lo=0.5, hi=2))
    at(N, "batch_norm_eval")("batch_norm", dict(bn, training=False), grads=["x", "w", "b"], x=randn(4, 3, 5, 5), w=randn(3), b=randn(3),
                             rm=randn(3), rv=rand(3, lo=0.5, hi=2))
    at(N, "batch_norm_train_bare")("batch_norm", dict(bn, training=True, momentum=0.3), x=randn(3, 4, 2, 3))
    at(N, "instance_norm")("instance_norm", {"eps": 1e-5}, x=randn(2, 3, 4, 5), w=randn(3), b=randn(3))
    at(N, "instance_norm_bare")("instance_norm", {"eps": 1e-3}, x=randn(2, 3, 4, 5))
    at(N, "group_norm")("group_norm", {"groups": 3, "eps": 1e-5}, x=randn(2, 6, 4, 5), w=randn(6), b=randn(6))
    at(N, "group_norm_one_group")("group_norm", {"groups": 1, "eps": 1e-5}, x=randn(2, 6, 4, 5))
    at(N, "group_norm_per_channel")("group_norm", {"groups": 6, "eps": 1e-4}, x=randn(2, 6, 4, 5), w=randn(6), b=randn(6))
    at(N, "layer_norm")("layer_norm", {"shape": [4, 5], "eps": 1e-5}, x=randn(2, 3, 4, 5), w=randn(4, 5), b=randn(4, 5))
    at(N, "layer_norm_last_bare")("layer_norm", {"shape": [5], "eps": 1e-5}, x=randn(2, 3, 5))

    S = "softmax"
    for name, op, dim, scale in [("softmax_dim1", "softmax", 1, 1), ("softmax_last", "softmax", -1, 1), ("softmax_dim0", "softmax", 0, 1),
                                 ("softmax_large", "softmax", 1, 30), ("log_softmax_dim1", "log_softmax", 1, 1),
                                 ("log_softmax_last_large", "log_softmax", -1, 30)]:
        at(S, name)(op, {"dim": dim}, x=randn(2, 5, 3, scale=scale))

    A = "activation"
    for name, op, args in [("relu", "relu", {}), ("leaky_relu", "leaky_relu", {"slope": 0.01}), ("leaky_relu_02", "leaky_relu", {"slope": 0.2}),
                           ("elu", "elu", {"alpha": 1.0}), ("elu_05", "elu", {"alpha": 0.5}), ("gelu", "gelu", {}),
                           ("softplus", "softplus", {"beta": 1, "threshold": 20}), ("softplus_beta2_thr1", "softplus", {"beta": 2, "threshold": 1}),
                           ("sigmoid", "f_sigmoid", {}), ("tanh", "f_tanh", {}), ("silu", "silu", {}),
                           ("hardtanh", "hardtanh", {"min": -1.0, "max": 1.0}), ("hardtanh_asym", "hardtanh", {"min": -0.5, "max": 2.0}),
                           ("dropout_eval", "dropout_eval", {})]:
        at(A, name)(op, args, x=randn(3, 4, 5, scale=2))

    U = "unfold_fold"
    uf = {"dilation": 1, "padding": 0, "stride": 1}
    for name, args in [("unfold_k3", dict(uf, k=3)), ("unfold_k2_s2", dict(uf, k=2, stride=2)), ("unfold_k3_p1", dict(uf, k=3, padding=1)),
                       ("unfold_k2_d2_p1", dict(uf, k=2, dilation=2, padding=1))]:
        at(U, name)("unfold", args, x=randn(2, 3, 5, 6))
    at(U, "fold_k2_overlap")("fold", dict(uf, k=2, size=[5, 6]), x=randn(2, 12, 20))
    at(U, "fold_k3_p1_s2")("fold", dict(uf, k=3, padding=1, stride=2, size=[5, 6]), x=randn(1, 18, 9))

    L = "loss"
    for red in ["mean", "sum", "none"]:
        at(L, f"mse_{red}")("mse_loss", {"red": red}, x=randn(3, 4), t=randn(3, 4))
        at(L, f"l1_{red}")("l1_loss", {"red": red}, x=randn(3, 4), t=randn(3, 4))
        at(L, f"cross_entropy_{red}")("cross_entropy", {"red": red, "ignore": -100, "smooth": 0.0}, x=randn(4, 5, scale=2), t=randint(0, 5, 4))
    at(L, "smooth_l1")("smooth_l1_loss", {"red": "mean", "beta": 1.0}, x=randn(3, 4, scale=2), t=randn(3, 4))
    at(L, "smooth_l1_beta05_sum")("smooth_l1_loss", {"red": "sum", "beta": 0.5}, x=randn(3, 4), t=randn(3, 4))
    at(L, "cross_entropy_weight")("cross_entropy", {"red": "mean", "ignore": -100, "smooth": 0.0}, grads=["x"],
                                  x=randn(4, 5), t=randint(0, 5, 4), w=rand(5, lo=0.5, hi=2))
    at(L, "cross_entropy_ignore")("cross_entropy", {"red": "mean", "ignore": 2, "smooth": 0.0}, x=randn(5, 4), t=torch.tensor([2, 0, 3, 2, 1]))
    at(L, "cross_entropy_smoothing")("cross_entropy", {"red": "mean", "ignore": -100, "smooth": 0.1}, x=randn(4, 5), t=randint(0, 5, 4))
    at(L, "cross_entropy_spatial")("cross_entropy", {"red": "mean", "ignore": -100, "smooth": 0.0},
                                   x=randn(2, 5, 3, 4), t=randint(0, 5, 2, 3, 4))
    at(L, "cross_entropy_probs")("cross_entropy", {"red": "mean", "ignore": -100, "smooth": 0.0}, x=randn(4, 5), t=rand(4, 5).softmax(1))
    for red in ["mean", "sum"]:
        at(L, f"bce_logits_{red}")("bce_logits", {"red": red}, x=randn(3, 4, scale=2), t=rand(3, 4))

    X = "misc"
    at(X, "normalize_p2")("normalize", {"p": 2.0, "dim": 1}, x=randn(2, 3, 4))
    at(X, "normalize_p1_last")("normalize", {"p": 1.0, "dim": -1}, x=randn(2, 3, 4))
    at(X, "cosine_similarity")("cosine_similarity", {"dim": 1}, x=randn(2, 3, 4), y=randn(2, 3, 4))
    at(X, "cosine_similarity_broadcast")("cosine_similarity", {"dim": -1}, x=randn(3, 4), y=randn(1, 4))
    at(X, "one_hot")("one_hot", {"n": 4}, x=torch.tensor([0, 3, 1, 1]))
    at(X, "one_hot_infer")("one_hot", {"n": -1}, x=torch.tensor([[2, 0], [1, 2]]))


def run_case(family, name, op, inputs, args, grads):
    seed(f"{family}/{name}/weights")
    leaves = {k: (v.clone().requires_grad_(True) if k in grads else v.clone()) for k, v in inputs.items()}
    out = OPS[op](leaves, args)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    tensors = [(f"in.{k}", v) for k, v in inputs.items()] + [(f"out.{k}", o.detach()) for k, o in enumerate(outs)]
    loss = None
    for k, o in enumerate(outs):
        if o.is_floating_point():
            w = randn(*o.shape)
            tensors.append((f"w.{k}", w))
            term = (o * w).sum()
            loss = term if loss is None else loss + term
    if loss is None or not loss.requires_grad:
        grads = []  # boolean or integer outputs: nothing to differentiate
    if grads:
        loss.backward()
        for k in grads:
            g = leaves[k].grad
            tensors.append((f"grad.{k}", g if g is not None else torch.zeros_like(leaves[k])))
    return tensors, grads


def write_case(path, header, tensors):
    blobs, entries, offset = [], [], 0
    for name, t in tensors:
        data = t.detach().contiguous().numpy().tobytes()  # little-endian on every machine the kit targets; bool as 1 byte
        entries.append({"name": name, "dtype": DTYPES[t.dtype], "shape": list(t.shape), "offset": offset})
        blobs.append(data)
        offset += len(data)
    head = json.dumps(dict(header, tensors=entries)).encode()
    with open(path, "wb") as f:
        f.write(b"DKG1" + struct.pack("<I", len(head)) + head + b"".join(blobs))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 tests/reference/make_op_golden.py OUT_DIR")
    out = Path(sys.argv[1])
    torch.manual_seed(0)
    define_cases()
    manifest = {"torch": torch.__version__, "families": {}}
    for family, name, op, inputs, args, grads in CASES:
        (out / family).mkdir(parents=True, exist_ok=True)
        tensors, grads = run_case(family, name, op, inputs, args, grads)
        header = {"family": family, "name": name, "op": op, "args": args, "grads": grads}
        write_case(out / family / f"{name}.bin", header, tensors)
        manifest["families"].setdefault(family, []).append(name)
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(f"wrote {len(CASES)} cases to {out}")


if __name__ == "__main__":
    main()
