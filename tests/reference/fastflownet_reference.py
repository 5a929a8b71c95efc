"""PyTorch reference of the kit's FastFlowNet (MDFlow's teacher), written from METHODS.md section 2 and the kit's
description of the network, independently of the C# code, with the same state-dict names. Used by the parity test
(tests/Models/FastFlowNetTests.cs) and by `./kit bench fastflownet`.

The network, as described: images [B,3,H,W] RGB in [0,1], H and W multiples of 64; both images minus their joint
per-sample, per-channel mean; a shared pyramid (levels 1-3 of 3x3 convs with LeakyReLU 0.1, levels 4-6 2x2 average
pools of level 3); at levels 6..2 the correlation of image-1 features with warped image-2 features over 53 of the 81
displacements of a 9x9 window, divided by C, LeakyReLU; decoder input correlation || reduced image-1 features ||
upsampled flow; flows stored divided by 20 (full-resolution pixels / 20), warps by the upsampled flow times 20 / 2^l;
output the level-2 flow times 20, bilinearly upsampled x4 with align_corners=False.

Usage:
  fastflownet_reference.py parity CONFIG.json WEIGHTS.safetensors INPUTS.pth OUT.pth
      loads the kit's weights (strictly) and computes, once in float32 and once in float64 (weights and inputs
      converted), from the definitions only: the correlation as the full 81-displacement volume (an unfold) from which
      the 53 channels are picked by their row-major indices (whatever form CONFIG names); both directions as two
      separate calls net(I1, I2) and net(I2, I1); the DDFlow phase-A loss (METHODS sections 1 and 3)
      psi(I1 - warp(I2, w_fw)) + psi(I2 - warp(I1, w_bw)). Saves, under the prefixes f32. and f64.: flow_fw,
      flow_bw, level{l}_fw and level{l}_bw (l = 2..6, each level's flow in pixels of that level), loss [1] and
      grad.NAME = d loss / d parameter for every state-dict NAME.

The "ChannelsLast" and "ShiftMultiply" correlation forms and forward_flow's batched layout are for
`./kit bench fastflownet` only: they arrange the same computation the way the kit does, so that the benchmark times
like against like.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from pwcnet_reference import load_safetensors, psi, warp

# Row-major indices (dy + 4) * 9 + (dx + 4) of the 53 displacements kept from the 9x9 window, in channel order.
KEPT = [0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 21, 22, 23, 24, 26, 28, 29, 30, 31, 32, 33, 34, 36, 38, 39, 40, 41, 42,
        44, 46, 47, 48, 49, 50, 51, 52, 54, 56, 57, 58, 59, 60, 62, 64, 66, 68, 70, 72, 74, 76, 78, 80]
RADIUS = 4
# Warping multiplier of the upsampled flow (stored in full-resolution pixels / 20) at levels 5..2: 20 / 2^level.
WARP_MULTIPLIER = {5: 0.625, 4: 1.25, 3: 2.5, 2: 5.0}


def correlation(f1, f2, form="Definition"):
    """f1(p) . f2(p + d) / C for the 53 kept displacements d, zero outside f2: [B,53,H,W]."""
    b, c, h, w = f1.shape
    k = 2 * RADIUS + 1
    if form == "Definition":
        # all 81 displacements at once: unfold gives, for every p, f2 over the window, channel-major then (dy, dx)
        window = F.unfold(f2, k, padding=RADIUS).view(b, c, k * k, h, w)
        full = (f1.unsqueeze(2) * window).sum(1)  # [B,81,H,W], index (dy+4)*9 + (dx+4)
        return full[:, KEPT] / c
    shifts = [(i // k, i % k) for i in KEPT]  # offsets into the padded map: dy + 4, dx + 4
    p = F.pad(f2, [RADIUS] * 4)
    if form == "ChannelsLast":
        a, p = f1.permute(0, 2, 3, 1).contiguous(), p.permute(0, 2, 3, 1).contiguous()
        return torch.stack([(a * p[:, dy:dy + h, dx:dx + w]).sum(3) for dy, dx in shifts], 1) / c
    if form == "ShiftMultiply":
        return torch.cat([(f1 * p[:, :, dy:dy + h, dx:dx + w]).sum(1, keepdim=True) for dy, dx in shifts], 1) / c
    raise ValueError(f"correlation form {form!r} is not in the reference (Definition, ChannelsLast, ShiftMultiply)")


def conv(cin, cout, stride=1, groups=1):
    return nn.Conv2d(cin, cout, 3, stride, 1, groups=groups)


class Pyramid(nn.Module):
    """Levels 1-3: 3x3 convs with LeakyReLU, the first of each level with stride 2; levels 4-6: 2x2 average pools."""

    def __init__(self, chans, slope):
        super().__init__()
        c1, c2, c3 = chans
        self.slope = slope
        self.conv1_1, self.conv1_2 = conv(3, c1, 2), conv(c1, c1)
        self.conv2_1, self.conv2_2, self.conv2_3 = conv(c1, c2, 2), conv(c2, c2), conv(c2, c2)
        self.conv3_1, self.conv3_2, self.conv3_3 = conv(c2, c3, 2), conv(c3, c3), conv(c3, c3)

    def forward(self, x):
        """{level: features} for levels 1..6."""
        act = lambda m, t: F.leaky_relu(m(t), self.slope)
        out = {}
        for level, convs in ((1, (self.conv1_1, self.conv1_2)), (2, (self.conv2_1, self.conv2_2, self.conv2_3)),
                             (3, (self.conv3_1, self.conv3_2, self.conv3_3))):
            for m in convs:
                x = act(m, x)
            out[level] = x
        for level in (4, 5, 6):
            x = F.avg_pool2d(x, 2, 2)
            out[level] = x
        return out


class Decoder(nn.Module):
    """conv 87->96, three grouped 96->96 convs each followed by a channel shuffle, 96->64, 64->32 (LeakyReLU after
    each), then a 32->2 conv without activation (paper widths)."""

    def __init__(self, cin, chans, groups, slope):
        super().__init__()
        w, t1, t2 = chans
        self.slope, self.groups = slope, groups
        self.conv1 = conv(cin, w)
        self.conv2, self.conv3, self.conv4 = (conv(w, w, groups=groups) for _ in range(3))
        self.conv5, self.conv6 = conv(w, t1), conv(t1, t2)
        self.predict = conv(t2, 2)

    def shuffle(self, x):
        b, c, h, w = x.shape
        return x.view(b, self.groups, c // self.groups, h, w).transpose(1, 2).reshape(b, c, h, w)

    def forward(self, x):
        x = F.leaky_relu(self.conv1(x), self.slope)
        for m in (self.conv2, self.conv3, self.conv4):
            x = self.shuffle(F.leaky_relu(m(x), self.slope))
        x = F.leaky_relu(self.conv5(x), self.slope)
        x = F.leaky_relu(self.conv6(x), self.slope)
        return self.predict(x)


class FastFlowNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        slope, chans, red = cfg["LeakySlope"], cfg["PyramidChannels"], cfg["ReducedChannels"]
        self.slope = slope
        self.pyramid = Pyramid(chans, slope)
        level_chans = {2: chans[1], 3: chans[2], 4: chans[2], 5: chans[2], 6: chans[2]}
        self.reduce = nn.ModuleDict({str(l): conv(level_chans[l], red) for l in range(2, 7)})
        self.decoders = nn.ModuleDict({str(l): Decoder(len(KEPT) + red + 2, cfg["DecoderChannels"], cfg["Groups"], slope)
                                       for l in range(2, 7)})
        self.upsample = nn.ModuleDict({str(l): nn.ConvTranspose2d(2, 2, 4, 2, 1) for l in range(3, 7)})

    def decode(self, p1, p2, form):
        """Flows of levels 6..2 in storage units (full-resolution pixels / 20): {level: [B,2,h,w]}."""
        flows, flow = {}, None
        for level in (6, 5, 4, 3, 2):
            f1, f2 = p1[level], p2[level]
            if flow is None:
                up = torch.zeros(f1.shape[0], 2, f1.shape[2], f1.shape[3], dtype=f1.dtype)
                w2 = f2
            else:
                up = self.upsample[str(level + 1)](flow)
                w2 = warp(f2, up * WARP_MULTIPLIER[level])
            corr = F.leaky_relu(correlation(f1, w2, form), self.slope)
            red = F.leaky_relu(self.reduce[str(level)](f1), self.slope)
            flow = self.decoders[str(level)](torch.cat([corr, red, up], 1)) + up
            flows[level] = flow
        return flows

    @staticmethod
    def normalise(i1, i2):
        mean = torch.cat([i1, i2], 3).mean((2, 3), keepdim=True)  # per sample and channel, over both images
        return i1 - mean, i2 - mean

    @staticmethod
    def output(flow2):
        """Level-2 flow (pixels / 20) to full-resolution pixels: x20, bilinear x4, align_corners=False."""
        return F.interpolate(flow2 * 20, scale_factor=4, mode="bilinear", align_corners=False)

    def forward(self, i1, i2, form="Definition"):
        """(full-resolution forward flow in pixels, {level: flow in that level's pixels})."""
        n1, n2 = self.normalise(i1, i2)
        flows = self.decode(self.pyramid(n1), self.pyramid(n2), form)
        return self.output(flows[2]), {l: f * 20 / 2 ** l for l, f in flows.items()}

    def forward_flow(self, i1, i2):
        """Benchmark path: the forward flow only, in the correlation form the config names."""
        n1, n2 = self.normalise(i1, i2)
        feats = self.pyramid(torch.cat([n1, n2], 0))
        b = i1.shape[0]
        flows = self.decode({l: f[:b] for l, f in feats.items()}, {l: f[b:] for l, f in feats.items()},
                            self.cfg.get("Correlation", "Definition"))
        return self.output(flows[2])


def phase_a_loss(i1, i2, flow_fw, flow_bw):
    """DDFlow phase A (METHODS section 3): psi photometric difference in both directions, no occlusion handling."""
    return psi(i1 - warp(i2, flow_fw)) + psi(i2 - warp(i1, flow_bw))


if __name__ == "__main__" and sys.argv[1] == "parity":
    cfg = json.load(open(sys.argv[2]))
    weights = load_safetensors(sys.argv[3])
    inp = torch.load(sys.argv[4])
    out = {}
    for prefix, dtype in (("f32.", torch.float32), ("f64.", torch.float64)):
        net = FastFlowNet(cfg)
        net.load_state_dict(weights, strict=True)
        net = net.to(dtype)
        i1, i2 = inp["image1"].to(dtype), inp["image2"].to(dtype)
        fw, levels_fw = net(i1, i2)
        bw, levels_bw = net(i2, i1)
        loss = phase_a_loss(i1, i2, fw, bw)
        loss.backward()
        out.update({prefix + "flow_fw": fw.detach(), prefix + "flow_bw": bw.detach(), prefix + "loss": loss.detach().reshape(1)})
        for level in levels_fw:
            out[f"{prefix}level{level}_fw"] = levels_fw[level].detach()
            out[f"{prefix}level{level}_bw"] = levels_bw[level].detach()
        for name, p in net.named_parameters():
            if p.grad is None:
                raise SystemExit(f"parameter {name} got no gradient")
            out[prefix + "grad." + name] = p.grad
    # separate storages: TorchSharp.PyBridge 1.4.4 cannot read views into one shared storage
    torch.save({k: v.clone().contiguous() for k, v in out.items()}, sys.argv[5])
