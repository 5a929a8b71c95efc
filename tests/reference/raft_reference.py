"""PyTorch reference of the kit's RAFT (MDFlow's student), written from METHODS.md section 2 and the RAFT paper
(Teed & Deng, ECCV 2020) independently of the C# code, with the same state-dict names. Used by the parity test and by
`./kit bench raft`.

Usage:
  raft_reference.py parity CONFIG.json WEIGHTS.safetensors INPUTS.pth ITERATIONS OUT.pth
      loads the kit's weights (strictly, batch-norm running statistics included) into a network in TRAIN mode (batch
      norm normalises with the batch statistics and updates its running statistics once per forward pass) and
      computes, once in float32 and once in float64 (weights and inputs converted):
        * the flow sequence of ITERATIONS refinements (image 1 -> image 2), from the definitions only: the feature
          encoder run on each image separately, the correlation lookup as an explicit four-corner bilinear gather
          (zeros outside), the convex upsampling as an explicit sum over the 3x3 neighbours;
        * the sequence loss sum_i 0.8^(N-i) mean(valid * |f_i - target|) against INPUTS' target and valid mask;
        * d loss / d parameter for every parameter, and the batch-norm buffers after the pass.
      Saves, under the prefixes f32. and f64.: flow.K (K = 0..N-1, [B,2,H,W]), loss [1], grad.NAME for every
      parameter and buffer.NAME for every state-dict buffer.

Raft.forward_flow with lookup="grid_sample" is for `./kit bench raft` only: it arranges the same computation the way
the kit's inference path does (both feature maps in one batched encoder pass, one grid_sample per pyramid level over
all pixels, the mask head and the convex upsampling on the last iteration only), so that the benchmark times like
against like; the parity test does not use it.

Conventions (DESIGN.md): images [B,3,H,W] RGB in [0,1], H and W multiples of 8; flow [B,2,H,W], channel 0 = u (x),
1 = v (y), in pixels of the input; p in image 1 maps to p + w(p) in image 2.
"""
import json
import math
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------------------------------------------- encoders
def make_norm(kind, channels):
    """'instance': per-sample, per-channel normalisation without affine parameters (no state); 'batch': BatchNorm2d
    with affine parameters and running statistics (PyTorch defaults: eps 1e-5, momentum 0.1)."""
    return nn.InstanceNorm2d(channels) if kind == "instance" else nn.BatchNorm2d(channels)


class ResidualBlock(nn.Module):
    """conv3x3(stride s)-norm-ReLU-conv3x3-norm-ReLU plus a shortcut (identity, or 1x1 stride-s conv + norm when the
    stride or the width changes); output ReLU(shortcut + residual)."""

    def __init__(self, cin, cout, stride, norm):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.norm1 = make_norm(norm, cout)
        self.norm2 = make_norm(norm, cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride=stride), make_norm(norm, cout))

    def forward(self, x):
        y = F.relu(self.norm1(self.conv1(x)))
        y = F.relu(self.norm2(self.conv2(y)))
        short = x if self.downsample is None else self.downsample(x)
        return F.relu(short + y)


class Encoder(nn.Module):
    """7x7/2 stem, three stages of two residual blocks (the 2nd starts with stride 2, the 3rd too when stride is 8),
    1x1 output conv: features at 1/stride."""

    def __init__(self, widths, out_channels, norm, stride=8):
        super().__init__()
        stem, w1, w2, w3 = widths
        self.conv1 = nn.Conv2d(3, stem, 7, stride=2, padding=3)
        self.norm1 = make_norm(norm, stem)
        self.layer1 = nn.Sequential(ResidualBlock(stem, w1, 1, norm), ResidualBlock(w1, w1, 1, norm))
        self.layer2 = nn.Sequential(ResidualBlock(w1, w2, 2, norm), ResidualBlock(w2, w2, 1, norm))
        self.layer3 = nn.Sequential(ResidualBlock(w2, w3, 2 if stride == 8 else 1, norm), ResidualBlock(w3, w3, 1, norm))
        self.conv2 = nn.Conv2d(w3, out_channels, 1)

    def forward(self, x):
        x = F.relu(self.norm1(self.conv1(x)))
        return self.conv2(self.layer3(self.layer2(self.layer1(x))))


# ---------------------------------------------------------------------------------------------------- correlation
def correlation_pyramid(f1, f2, levels):
    """All-pairs dot products / sqrt(C): level 0 is [B*H*W, 1, H, W] (one image-2 map per image-1 pixel), each next
    level a 2x2 average pool of the image-2 dims."""
    b, c, h, w = f1.shape
    corr = torch.einsum("bcyx,bcuv->byxuv", f1, f2) / math.sqrt(c)
    pyramid = [corr.reshape(b * h * w, 1, h, w)]
    for _ in range(levels - 1):
        pyramid.append(F.avg_pool2d(pyramid[-1], 2, stride=2))
    return pyramid


def bilinear_zeros(maps, x, y):
    """maps [N,h,w], pixel positions x, y [N,K] -> [N,K]: bilinear interpolation between the four surrounding pixel
    centres (integers), a corner outside the map reading zero."""
    n, h, w = maps.shape
    flat = maps.reshape(n, h * w)
    x0, y0 = torch.floor(x), torch.floor(y)
    out = torch.zeros_like(x)
    for cx, cy in ((x0, y0), (x0 + 1, y0), (x0, y0 + 1), (x0 + 1, y0 + 1)):
        weight = (1 - (x - cx).abs()) * (1 - (y - cy).abs())
        inside = ((cx >= 0) & (cx <= w - 1) & (cy >= 0) & (cy <= h - 1)).to(x.dtype)
        index = (cy.clamp(0, h - 1) * w + cx.clamp(0, w - 1)).long()
        out = out + inside * weight * flat.gather(1, index)
    return out


def offsets(r, dtype):
    """The (2r+1)^2 window offsets in channel order k = (ox + r)(2r+1) + (oy + r): x-offset outer."""
    d = torch.arange(-r, r + 1, dtype=dtype)
    return d.repeat_interleave(2 * r + 1), d.repeat(2 * r + 1)


def lookup(pyramid, coords, r, form="definition"):
    """Samples every level at coords / 2^l + offset (coords [B,2,H,W] in pixels of the 1/8 grid): [B, L(2r+1)^2, H, W].
    Forms (same values): "definition" gathers the four corners explicitly; "grid_sample" makes one grid_sample call
    per level over all pixels (positions normalised as x_n = (2x + 1)/w - 1 with align_corners=False, which addresses
    the same pixel positions as align_corners=True and stays defined on 1-pixel maps)."""
    b, _, h, w = coords.shape
    k = (2 * r + 1) ** 2
    ox, oy = offsets(r, coords.dtype)
    x = coords[:, 0].reshape(b * h * w, 1)
    y = coords[:, 1].reshape(b * h * w, 1)
    out = []
    for level, maps in enumerate(pyramid):
        xs, ys = x / 2 ** level + ox, y / 2 ** level + oy
        if form == "definition":
            s = bilinear_zeros(maps[:, 0], xs, ys)
        elif form == "grid_sample":
            mh, mw = maps.shape[2], maps.shape[3]
            grid = torch.stack([(2 * xs + 1) / mw - 1, (2 * ys + 1) / mh - 1], -1).view(b * h * w, 1, k, 2)
            s = F.grid_sample(maps, grid, mode="bilinear", padding_mode="zeros", align_corners=False).view(b * h * w, k)
        else:
            raise ValueError(f"lookup form {form!r}: definition or grid_sample")
        out.append(s.view(b, h, w, k).permute(0, 3, 1, 2))
    return torch.cat(out, 1)


# ---------------------------------------------------------------------------------------------------- update block
class MotionEncoder(nn.Module):
    def __init__(self, corr_channels, c_widths, f_widths, out_channels):
        super().__init__()
        self.convc1 = nn.Conv2d(corr_channels, c_widths[0], 1)
        self.convc2 = nn.Conv2d(c_widths[0], c_widths[1], 3, padding=1)
        self.convf1 = nn.Conv2d(2, f_widths[0], 7, padding=3)
        self.convf2 = nn.Conv2d(f_widths[0], f_widths[1], 3, padding=1)
        self.conv = nn.Conv2d(c_widths[1] + f_widths[1], out_channels - 2, 3, padding=1)

    def forward(self, flow, corr):
        c = F.relu(self.convc2(F.relu(self.convc1(corr))))
        f = F.relu(self.convf2(F.relu(self.convf1(flow))))
        return torch.cat([F.relu(self.conv(torch.cat([c, f], 1))), flow], 1)


class SepConvGRU(nn.Module):
    """A 1x5 (horizontal) then a 5x1 (vertical) ConvGRU: z = s(W_z[h,x]), r = s(W_r[h,x]), q = tanh(W_q[r h, x]),
    h <- (1 - z) h + z q."""

    def __init__(self, hidden, inp):
        super().__init__()
        c = hidden + inp
        self.convz1 = nn.Conv2d(c, hidden, (1, 5), padding=(0, 2))
        self.convr1 = nn.Conv2d(c, hidden, (1, 5), padding=(0, 2))
        self.convq1 = nn.Conv2d(c, hidden, (1, 5), padding=(0, 2))
        self.convz2 = nn.Conv2d(c, hidden, (5, 1), padding=(2, 0))
        self.convr2 = nn.Conv2d(c, hidden, (5, 1), padding=(2, 0))
        self.convq2 = nn.Conv2d(c, hidden, (5, 1), padding=(2, 0))

    def forward(self, h, x):
        for cz, cr, cq in ((self.convz1, self.convr1, self.convq1), (self.convz2, self.convr2, self.convq2)):
            hx = torch.cat([h, x], 1)
            z = torch.sigmoid(cz(hx))
            r = torch.sigmoid(cr(hx))
            q = torch.tanh(cq(torch.cat([r * h, x], 1)))
            h = (1 - z) * h + z * q
        return h


class FlowHead(nn.Module):
    def __init__(self, hidden, width):
        super().__init__()
        self.conv1 = nn.Conv2d(hidden, width, 3, padding=1)
        self.conv2 = nn.Conv2d(width, 2, 3, padding=1)

    def forward(self, h):
        return self.conv2(F.relu(self.conv1(h)))


class UpdateBlock(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        corr_channels = cfg["CorrelationLevels"] * (2 * cfg["CorrelationRadius"] + 1) ** 2
        hidden, motion = cfg["HiddenChannels"], cfg["MotionChannels"]
        self.encoder = MotionEncoder(corr_channels, cfg["MotionCorrelationChannels"], cfg["MotionFlowChannels"], motion)
        self.gru = SepConvGRU(hidden, cfg["ContextChannels"] + motion)
        self.flow_head = FlowHead(hidden, cfg["HeadChannels"])
        self.mask = nn.Sequential(nn.Conv2d(hidden, cfg["HeadChannels"], 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(cfg["HeadChannels"], 9 * stride_of(cfg) ** 2, 1))

    def forward(self, h, context, corr, flow, with_mask=True):
        motion = self.encoder(flow, corr)
        h = self.gru(h, torch.cat([context, motion], 1))
        delta = self.flow_head(h)
        return h, (0.25 * self.mask(h) if with_mask else None), delta


def stride_of(cfg):
    """Input pixels per feature cell: FeatureStride (8 when absent, the paper's)."""
    return cfg.get("FeatureStride", 8)


def convex_upsample(flow, mask, s=8):
    """flow [B,2,h,w] in 1/s-grid pixels -> [B,2,sh,sw] in input pixels: output pixel (sy+i, sx+j) is the convex
    combination, weights softmax_k(mask[(ky*3 + kx)*s*s + i*s + j]), of s*flow at the 3x3 neighbours (y+ky-1, x+kx-1),
    zero beyond the border."""
    b, _, h, w = flow.shape
    weights = mask.view(b, 9, s, s, h, w).softmax(1)
    padded = F.pad(s * flow, [1, 1, 1, 1])
    neighbours = torch.stack([padded[:, :, ky:ky + h, kx:kx + w] for ky in range(3) for kx in range(3)], 1)  # [B,9,2,h,w]
    up = torch.einsum("bkijyx,bkcyx->bcyixj", weights, neighbours)
    return up.reshape(b, 2, s * h, s * w)


# ---------------------------------------------------------------------------------------------------- network
class Raft(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        widths = cfg["EncoderChannels"]
        self.fnet = Encoder(widths, cfg["FeatureChannels"], "instance", stride_of(cfg))
        self.cnet = Encoder(widths, cfg["HiddenChannels"] + cfg["ContextChannels"], "batch", stride_of(cfg))
        self.update_block = UpdateBlock(cfg)

    @staticmethod
    def normalise(i1, i2):
        """MDFlow: subtract the per-sample, per-channel mean over both images' pixels."""
        mean = torch.cat([i1, i2], 2).mean((2, 3), keepdim=True)
        return i1 - mean, i2 - mean

    def context(self, i1):
        ctx = self.cnet(i1)
        hidden = self.cfg["HiddenChannels"]
        return torch.tanh(ctx[:, :hidden]), F.relu(ctx[:, hidden:])

    def forward(self, i1, i2, iterations):
        """The flow after every refinement, each [B,2,H,W] in input pixels (the parity test's definition)."""
        i1, i2 = self.normalise(i1, i2)
        f1, f2 = self.fnet(i1), self.fnet(i2)
        h, context = self.context(i1)
        pyramid = correlation_pyramid(f1, f2, self.cfg["CorrelationLevels"])
        b, _, gh, gw = f1.shape
        ys, xs = torch.meshgrid(torch.arange(gh, dtype=f1.dtype), torch.arange(gw, dtype=f1.dtype), indexing="ij")
        coords0 = torch.stack([xs, ys], 0)[None].expand(b, 2, gh, gw)
        coords1 = coords0.clone()
        flows = []
        for _ in range(iterations):
            coords1 = coords1.detach()
            corr = lookup(pyramid, coords1, self.cfg["CorrelationRadius"])
            h, mask, delta = self.update_block(h, context, corr, coords1 - coords0)
            coords1 = coords1 + delta
            flows.append(convex_upsample(coords1 - coords0, mask, stride_of(self.cfg)))
        return flows

    def forward_flow(self, i1, i2, iterations, form="grid_sample"):
        """The last flow only, arranged as the kit's inference path (bench only; see the module docstring)."""
        i1, i2 = self.normalise(i1, i2)
        b = i1.shape[0]
        f = self.fnet(torch.cat([i1, i2], 0))
        f1, f2 = f[:b], f[b:]
        h, context = self.context(i1)
        pyramid = correlation_pyramid(f1, f2, self.cfg["CorrelationLevels"])
        _, _, gh, gw = f1.shape
        ys, xs = torch.meshgrid(torch.arange(gh, dtype=f1.dtype), torch.arange(gw, dtype=f1.dtype), indexing="ij")
        coords0 = torch.stack([xs, ys], 0)[None].expand(b, 2, gh, gw)
        coords1 = coords0.clone()
        mask = None
        for it in range(iterations):
            corr = lookup(pyramid, coords1, self.cfg["CorrelationRadius"], form)
            h, mask, delta = self.update_block(h, context, corr, coords1 - coords0, with_mask=it == iterations - 1)
            coords1 = coords1 + delta
        return convex_upsample(coords1 - coords0, mask, stride_of(self.cfg))


def sequence_loss(flows, target, valid, gamma=0.8):
    """sum_i gamma^(N-i) mean(valid * |f_i - target|), i = 1..N, the mean over B x 2 x H x W elements."""
    n = len(flows)
    return sum(gamma ** (n - 1 - i) * (valid * (f - target).abs()).mean() for i, f in enumerate(flows))


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


if __name__ == "__main__" and sys.argv[1] == "parity":
    cfg = json.load(open(sys.argv[2]))
    weights = load_safetensors(sys.argv[3])
    inp = torch.load(sys.argv[4])
    iterations = int(sys.argv[5])
    out = {}
    for prefix, dtype in (("f32.", torch.float32), ("f64.", torch.float64)):
        net = Raft(cfg)
        net.load_state_dict(weights, strict=True)
        net = net.to(dtype).train()
        i1, i2 = inp["image1"].to(dtype), inp["image2"].to(dtype)
        flows = net(i1, i2, iterations)
        loss = sequence_loss(flows, inp["target"].to(dtype), inp["valid"].to(dtype))
        loss.backward()
        for k, f in enumerate(flows):
            out[f"{prefix}flow.{k}"] = f.detach()
        out[prefix + "loss"] = loss.detach().reshape(1)
        for name, p in net.named_parameters():
            if p.grad is None:
                raise SystemExit(f"parameter {name} got no gradient")
            out[prefix + "grad." + name] = p.grad
        for name, b in net.named_buffers():
            out[prefix + "buffer." + name] = b.detach()
    # separate storages: TorchSharp.PyBridge 1.4.4 cannot read views into one shared storage
    torch.save({k: v.clone().contiguous() for k, v in out.items()}, sys.argv[6])
