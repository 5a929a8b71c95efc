"""PyTorch reference of the kit's PWC-Net (DDFlow variant), written from METHODS.md section 2 independently of the
C# code, with the same state-dict names. Used by the parity test and by `./kit bench pwcnet`.

Usage:
  pwcnet_reference.py parity CONFIG.json WEIGHTS.safetensors INPUTS.pth OUT.pth
      loads the kit's weights (strictly) and computes, from the definitions only: the cost volume as the plain
      shift-and-multiply sum (whatever form CONFIG names), both directions as two separate calls net(I1, I2) and
      net(I2, I1) (METHODS: "runs on (I1, I2) and (I2, I1)"), and the DDFlow phase-A loss (METHODS sections 1 and 3)
      psi(I1 - warp(I2, w_fw)) + psi(I2 - warp(I1, w_bw)) with an all-ones mask, once in float32 and once in float64
      (weights and inputs converted). Saves, under the prefixes f32. and f64.: flow_fw, flow_bw, loss [1] and
      grad.NAME = d loss / d parameter for every state-dict NAME.

forward_both and the "ChannelsLast" cost-volume form are for `./kit bench pwcnet` only: they arrange the same
computation the way the kit's fast path does (one batched pass, channels-last copies) so that the benchmark times
like against like; the parity test does not use them.
"""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def coords(h, w, device):
    ys, xs = torch.meshgrid(torch.arange(h, device=device, dtype=torch.float32),
                            torch.arange(w, device=device, dtype=torch.float32), indexing="ij")
    return torch.stack([xs, ys], 0)[None]


def warp(x, flow):
    """Samples x at p + flow(p): bilinear, align_corners=True, zero padding."""
    _, _, h, w = x.shape
    pos = coords(h, w, x.device) + flow
    gx = 2 * pos[:, 0] / (w - 1) - 1
    gy = 2 * pos[:, 1] / (h - 1) - 1
    return F.grid_sample(x, torch.stack([gx, gy], -1), mode="bilinear", padding_mode="zeros", align_corners=True)


def resize_flow(flow, h, w):
    _, _, fh, fw = flow.shape
    if (fh, fw) == (h, w):
        return flow
    up = F.interpolate(flow, size=(h, w), mode="bilinear", align_corners=True)
    return torch.cat([up[:, :1] * (w / fw), up[:, 1:] * (h / fh)], 1)


def cost_volume(f1, f2, r, form="ShiftMultiply"):
    """Dot products f1(p)·f2(p+d), d in a (2r+1)^2 window, dy outer. Forms (same values): "ShiftMultiply" sums over
    channels of [B,C,H,W] products; "ChannelsLast" makes [B,H,W,C] copies once, so each sum is over the inner dim."""
    _, _, h, w = f1.shape
    p = F.pad(f2, [r, r, r, r])
    shifts = [(dy, dx) for dy in range(2 * r + 1) for dx in range(2 * r + 1)]
    if form == "ChannelsLastOwnBackward":
        return ChannelsLastCorrelation.apply(f1, f2, r)
    if form == "ChannelsLast":
        a, p = f1.permute(0, 2, 3, 1).contiguous(), p.permute(0, 2, 3, 1).contiguous()
        return torch.stack([(a * p[:, dy:dy + h, dx:dx + w]).sum(3) for dy, dx in shifts], 1)
    if form != "ShiftMultiply":
        raise ValueError(f"cost-volume form {form!r} is not in the reference (ShiftMultiply, ChannelsLast, ChannelsLastOwnBackward)")
    return torch.cat([(f1 * p[:, :, dy:dy + h, dx:dx + w]).sum(1, keepdim=True) for dy, dx in shifts], 1)


class ChannelsLastCorrelation(torch.autograd.Function):
    """The "ChannelsLastOwnBackward" form: ChannelsLast's forward; backward accumulates, per shift d, g_d * f2(p+d) into
    one channels-last gradient of f1 and g_d * f1(p) into one padded channels-last gradient of f2 (in-place addcmul_)."""

    @staticmethod
    def forward(ctx, f1, f2, r):
        _, _, h, w = f1.shape
        a = f1.permute(0, 2, 3, 1).contiguous()
        p = F.pad(f2, [r, r, r, r]).permute(0, 2, 3, 1).contiguous()
        ctx.save_for_backward(a, p)
        ctx.r = r
        k = 2 * r + 1
        return torch.stack([(a * p[:, dy:dy + h, dx:dx + w]).sum(3) for dy in range(k) for dx in range(k)], 1)

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        r, (_, h, w, _) = ctx.r, a.shape
        k = 2 * r + 1
        g = g.permute(0, 2, 3, 1).contiguous()
        ga, gp = torch.zeros_like(a), torch.zeros_like(p)
        for i, (dy, dx) in enumerate((dy, dx) for dy in range(k) for dx in range(k)):
            gd = g[..., i:i + 1]
            ga.addcmul_(p[:, dy:dy + h, dx:dx + w], gd)
            gp[:, dy:dy + h, dx:dx + w].addcmul_(a, gd)
        return ga.permute(0, 3, 1, 2), gp[:, r:r + h, r:r + w].permute(0, 3, 1, 2), None


class Estimator(nn.Module):
    def __init__(self, cin, chans, slope):
        super().__init__()
        self.slope = slope
        layers, prev = [], cin
        for c in chans:
            layers.append(nn.Conv2d(prev, c, 3, padding=1))
            prev = c
        layers.append(nn.Conv2d(prev, 2, 3, padding=1))
        self.convs = nn.ModuleList(layers)

    def forward(self, x):
        for c in self.convs[:-1]:
            x = F.leaky_relu(c(x), self.slope)
        return x, self.convs[-1](x)


class Context(nn.Module):
    def __init__(self, cin, chans, dils, slope):
        super().__init__()
        self.slope = slope
        layers, prev = [], cin
        for c, d in zip(chans, dils):
            layers.append(nn.Conv2d(prev, c, 3, padding=d, dilation=d))
            prev = c
        layers.append(nn.Conv2d(prev, 2, 3, padding=1))
        self.convs = nn.ModuleList(layers)

    def forward(self, x):
        for c in self.convs[:-1]:
            x = F.leaky_relu(c(x), self.slope)
        return self.convs[-1](x)


class Pyramid(nn.Module):
    def __init__(self, chans, slope):
        super().__init__()
        levels, prev = [], 3
        for c in chans:
            levels.append(nn.Sequential(nn.Conv2d(prev, c, 3, 2, 1), nn.LeakyReLU(slope), nn.Conv2d(c, c, 3, 1, 1), nn.LeakyReLU(slope)))
            prev = c
        self.levels = nn.ModuleList(levels)

    def forward(self, x):
        out = []
        for l in self.levels:
            x = l(x)
            out.append(x)
        return out


class PwcNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        slope, r = cfg["LeakySlope"], cfg["SearchRadius"]
        chans, L, out_level = cfg["PyramidChannels"], len(cfg["PyramidChannels"]), cfg["OutputLevel"]
        self.pyramid = Pyramid(chans, slope)
        self.estimators = nn.ModuleList([Estimator((2 * r + 1) ** 2 + chans[l - 1] + 2, cfg["EstimatorChannels"], slope)
                                         for l in range(L, out_level - 1, -1)])
        self.context = Context(cfg["EstimatorChannels"][-1] + 2, cfg["ContextChannels"], cfg["ContextDilations"], slope) if cfg["UseContext"] else None

    def decode(self, p1, p2):
        L, out_level, r = len(p1), self.cfg["OutputLevel"], self.cfg["SearchRadius"]
        flow = feat = None
        for i, level in enumerate(range(L, out_level - 1, -1)):
            f1, f2 = p1[level - 1], p2[level - 1]
            if flow is None:
                flow = torch.zeros(f1.shape[0], 2, f1.shape[2], f1.shape[3], dtype=f1.dtype)
                w2 = f2
            else:
                flow = resize_flow(flow, f1.shape[2], f1.shape[3])
                w2 = warp(f2, flow)
            cv = cost_volume(F.normalize(f1, dim=1), F.normalize(w2, dim=1), r, self.cfg.get("CostVolume", "ShiftMultiply"))
            feat, flow = self.estimators[i](torch.cat([cv, f1, flow], 1))
        if self.context is not None:
            flow = flow + self.context(torch.cat([feat, flow], 1))
        return flow

    def forward(self, i1, i2):
        return resize_flow(self.decode(self.pyramid(i1), self.pyramid(i2)), i1.shape[2], i1.shape[3])

    def forward_both(self, i1, i2):
        b = i1.shape[0]
        feats = self.pyramid(torch.cat([i1, i2], 0))
        swapped = [torch.cat([f[b:], f[:b]], 0) for f in feats]
        flow = resize_flow(self.decode(feats, swapped), i1.shape[2], i1.shape[3])
        return flow[:b], flow[b:]


def load_config(path):
    return json.load(open(path))


def load_safetensors(path):
    """Reads a safetensors file by its published layout (Debian has no python3-safetensors): little-endian u64
    header length, JSON header {name: {dtype, shape, data_offsets}}, raw little-endian data."""
    dtypes = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64, "I32": torch.int32, "U8": torch.uint8, "BOOL": torch.bool}
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(blob[8 + n + a:8 + n + b]), dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return out


def psi(d):
    """DDFlow's robust penalty (METHODS section 1) with m = 1 everywhere: sum (|d| + 0.01)^0.4 / (2 * B*H*W + 1e-6)."""
    m = torch.ones(d.shape[0], 1, d.shape[2], d.shape[3], dtype=d.dtype)
    return ((d.abs() + 0.01) ** 0.4 * m).sum() / (2 * m.sum() + 1e-6)


def phase_a_loss(i1, i2, flow_fw, flow_bw):
    """DDFlow phase A (METHODS section 3): psi photometric difference in both directions, no occlusion handling."""
    return psi(i1 - warp(i2, flow_fw)) + psi(i2 - warp(i1, flow_bw))


if __name__ == "__main__" and sys.argv[1] == "parity":
    cfg = load_config(sys.argv[2])
    cfg["CostVolume"] = "ShiftMultiply"  # the definition; the kit's other forms must give the same values
    weights = load_safetensors(sys.argv[3])
    inp = torch.load(sys.argv[4])
    out = {}
    for prefix, dtype in (("f32.", torch.float32), ("f64.", torch.float64)):
        net = PwcNet(cfg)
        net.load_state_dict(weights, strict=True)
        net = net.to(dtype)
        i1, i2 = inp["image1"].to(dtype), inp["image2"].to(dtype)
        fw = net(i1, i2)
        bw = net(i2, i1)
        loss = phase_a_loss(i1, i2, fw, bw)
        loss.backward()
        out.update({prefix + "flow_fw": fw.detach(), prefix + "flow_bw": bw.detach(), prefix + "loss": loss.detach().reshape(1)})
        for name, p in net.named_parameters():
            if p.grad is None:
                raise SystemExit(f"parameter {name} got no gradient")
            out[prefix + "grad." + name] = p.grad
    # separate storages: TorchSharp.PyBridge 1.4.4 cannot read views into one shared storage
    torch.save({k: v.clone().contiguous() for k, v in out.items()}, sys.argv[5])
