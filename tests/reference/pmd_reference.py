"""PyTorch reference of PMD's student and teacher heads (the networks on top of the frozen backbone), written from
METHODS.md section 6 and the conventions the kit documents, independently of the C# code. Used by tests/Models/PmdTests.cs.

Usage:
  pmd_reference.py parity ROLE CONFIG.json WEIGHTS.safetensors INPUTS.pth OUT.pth
      ROLE is "student" or "teacher". Loads the kit's weights strictly (batch-norm running statistics included) and,
      once in float64 and once in float32 (weights and inputs converted), in TRAIN mode:
        * both directions from the features src3, src4, tgt3, tgt4 of INPUTS (layer3 [B,C3,h,w], layer4
          [B,C4,h/2,w/2]); the teacher's hypotheses from INPUTS' noise_fw, noise_bw [K,B,2,C4];
        * loss = sum(fw * r_fw) + sum(bw * r_bw) (teacher: + sum(mu_fw * r_mu) + sum(sigma_fw * r_sigma)), its gradient
          w.r.t. every parameter and every input feature, the batch-norm buffers after the pass;
      then in EVAL mode the source -> target matches (the teacher's mean mode z = mu).
      Saves under f32. and f64.: fw, bw (matched target positions), mu_fw, sigma_fw, mu_bw, sigma_bw (teacher), loss,
      grad.NAME, grad_in.FEATURE, buffer.NAME, eval_fw; and "margin": the smallest gap between the largest and the
      second largest fused correlation of any source cell (float64), so the test can tell an argmax near-tie.

What the head computes (METHODS.md section 6, with the kit's documented choices):
  * adaptation, per layer, source and target as one batch: f <- f + ReLU(BN(Conv_kxk(f))) (no conv bias), blocks in turn;
  * co-channel attention on layer4: a(f_a, f_b) = sigmoid(ReLU(BN(W (GAP(cat[f_a, f_b]))))) per channel, W a 2C -> C
    linear map (the kit's 1x1 conv); the source first, s' = s * a(s, t), then the target, t' = t * a(t, s');
  * teacher: z = mu + sigma * eps with mu = ReLU(BN(W GAP(cat))) and sigma = softplus(sum_{y,x}(V_c0(y,x) f_a,c(y,x) +
    V_c1(y,x) f_b,c(y,x)) + bias_c) (the kit's depthwise full-extent conv), attention sigmoid(z); the K hypotheses of
    the target's attention pass batch norm as one K*B batch, hypothesis-major;
  * layer4 upsampled x2 (bilinear, align_corners=False); per layer f / sqrt(sum_c f^2 + 1e-6), correlation of every
    source cell with every target cell, ReLU; product of the two layers' correlations, normalised the same way over the
    target cells;
  * kernel soft-argmax: Gaussian (sigma cells) around the target cell of largest correlation, times the correlation,
    softmax with beta over the target cells, expectation of the target cell centres u = (2i+1)/w - 1 (align_corners=False).
"""
import json
import struct
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

EPS = 1e-6


def load_safetensors(path):
    """The safetensors layout: u64 header length, JSON header {name: {dtype, shape, data_offsets}}, raw data."""
    kinds = {"F32": torch.float32, "F64": torch.float64, "I64": torch.int64}
    blob = open(path, "rb").read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = torch.frombuffer(bytearray(blob[8 + n + start:8 + n + end]), dtype=kinds[info["dtype"]]).reshape(info["shape"])
    return out


class Block(nn.Module):
    def __init__(self, c, k):
        super().__init__()
        self.conv = nn.Conv2d(c, c, k, padding=k // 2, bias=False)
        self.bn = nn.BatchNorm2d(c)

    def forward(self, f):
        return f + F.relu(self.bn(self.conv(f)))


class Attention(nn.Module):
    """Holds W as conv.weight [C,2C,1,1] (the kit's names) and applies it as a linear map; BN as BatchNorm1d on [B,C]."""

    def __init__(self, c, extent=None):
        super().__init__()
        self.conv = nn.Module()
        self.conv.weight = nn.Parameter(torch.zeros(c, 2 * c, 1, 1))
        self.bn = nn.BatchNorm1d(c)
        if extent is not None:
            self.scale = nn.Module()
            self.scale.weight = nn.Parameter(torch.zeros(c, 2, extent, extent))
            self.scale.bias = nn.Parameter(torch.zeros(c))

    def mean(self, fa, fb):
        gap = torch.cat([fa, fb], 1).mean(dim=(2, 3))
        return F.relu(self.bn(F.linear(gap, self.conv.weight.flatten(1))))

    def sigma(self, fa, fb):
        v = self.scale.weight
        pre = torch.einsum("cyx,bcyx->bc", v[:, 0], fa) + torch.einsum("cyx,bcyx->bc", v[:, 1], fb) + self.scale.bias
        return F.softplus(pre)


def l2n(x, dim=1):
    return x / torch.sqrt((x * x).sum(dim, keepdim=True) + EPS)


def correlation(s, t):
    """[B, h*w (target cell y*w+x), h, w (source cell)], ReLU of cosine-like products."""
    b, _, h, w = s.shape
    c = torch.einsum("bcyx,bcij->byxij", l2n(t), l2n(s))
    return F.relu(c.reshape(b, h * w, h, w))


def centres(n, dtype):
    return (2 * torch.arange(n, dtype=dtype) + 1) / n - 1


def kernel_soft_argmax(corr, h, w, sigma, beta):
    b = corr.shape[0]
    best = corr.argmax(1)                                   # [B, h, w] flat target index
    by, bx = (best // w).to(corr.dtype), (best % w).to(corr.dtype)
    ty, tx = torch.meshgrid(torch.arange(h, dtype=corr.dtype), torch.arange(w, dtype=corr.dtype), indexing="ij")
    d2 = (tx.reshape(1, h, w, 1, 1) - bx.reshape(b, 1, 1, h, w)) ** 2 + (ty.reshape(1, h, w, 1, 1) - by.reshape(b, 1, 1, h, w)) ** 2
    g = torch.exp(-d2 / (2 * sigma ** 2)).reshape(b, h * w, h, w)
    p = torch.softmax(beta * g * corr, dim=1).reshape(b, h, w, h, w)
    px = p.sum(1)                                           # marginal over target rows: [B, w_t, h, w]
    py = p.sum(2)                                           # [B, h_t, h, w]
    u = (px * centres(w, corr.dtype).reshape(1, w, 1, 1)).sum(1)
    v = (py * centres(h, corr.dtype).reshape(1, h, 1, 1)).sum(1)
    return torch.stack([u, v], 1)


def top_gap(corr):
    top2 = corr.topk(2, dim=1).values
    return (top2[:, 0] - top2[:, 1]).min().item()


class Head(nn.Module):
    def __init__(self, cfg, teacher):
        super().__init__()
        c3, c4 = cfg["Layer3Channels"], cfg["Layer4Channels"]
        self.cfg = cfg
        self.adapt3 = nn.Sequential(*[Block(c3, cfg["Layer3Kernel"]) for _ in range(cfg["AdaptationBlocks"])])
        self.adapt4 = nn.Sequential(*[Block(c4, cfg["Layer4Kernel"]) for _ in range(cfg["AdaptationBlocks"])])
        self.attention = Attention(c4, cfg["InputSize"] // 32 if teacher else None)
        self.margins = []

    def adapt(self, s3, s4, t3, t4):
        b = s3.shape[0]
        f3 = self.adapt3(torch.cat([s3, t3]))
        f4 = self.adapt4(torch.cat([s4, t4]))
        return f3[:b], f4[:b], f3[b:], f4[b:]

    def head(self, s3, t3, s4, t4):
        h, w = s3.shape[2:]
        up = lambda f: F.interpolate(f, scale_factor=2, mode="bilinear", align_corners=False)
        fused = l2n(correlation(s3, t3) * correlation(up(s4), up(t4)))
        self.margins.append(top_gap(fused.detach()))
        return kernel_soft_argmax(fused, h, w, self.cfg["KernelSigma"], self.cfg["Beta"])

    def student_direction(self, s3, s4, t3, t4):
        a = self.attention
        s4w = s4 * torch.sigmoid(a.mean(s4, t4))[:, :, None, None]
        t4w = t4 * torch.sigmoid(a.mean(t4, s4w))[:, :, None, None]
        return self.head(s3, t3, s4w, t4w)

    def teacher_direction(self, s3, s4, t3, t4, eps):
        a = self.attention
        k, b = eps.shape[:2]
        mu1, sig1 = a.mean(s4, t4), a.sigma(s4, t4)
        sources = [s4 * torch.sigmoid(mu1 + sig1 * eps[j, :, 0])[:, :, None, None] for j in range(k)]
        src_all = torch.cat(sources)                        # hypothesis-major: row j*B + b
        tgt_all = torch.cat([t4] * k)
        mu2, sig2 = a.mean(tgt_all, src_all), a.sigma(tgt_all, src_all)
        z2 = mu2 + sig2 * torch.cat([eps[j, :, 1] for j in range(k)])
        tgt_w = tgt_all * torch.sigmoid(z2)[:, :, None, None]
        out = torch.stack([self.head(s3, t3, sources[j], tgt_w[j * b:(j + 1) * b]) for j in range(k)])
        mu = torch.stack([mu1.expand(k, -1, -1), mu2.reshape(k, b, -1)], 2)
        sig = torch.stack([sig1.expand(k, -1, -1), sig2.reshape(k, b, -1)], 2)
        return out, mu, sig


def run(role, cfg, weights, inp, dtype, out, prefix):
    teacher = role == "teacher"
    net = Head(cfg, teacher)
    state = {k: (v.reshape(()) if k.endswith("num_batches_tracked") else v) for k, v in weights.items()}
    net.load_state_dict(state, strict=True)
    net = net.to(dtype).train()
    feats = {k: inp[k].to(dtype).clone().requires_grad_() for k in ("src3", "src4", "tgt3", "tgt4")}
    s3, s4, t3, t4 = net.adapt(feats["src3"], feats["src4"], feats["tgt3"], feats["tgt4"])
    if teacher:
        fw, mu_f, sig_f = net.teacher_direction(s3, s4, t3, t4, inp["noise_fw"].to(dtype))
        bw, mu_b, sig_b = net.teacher_direction(t3, t4, s3, s4, inp["noise_bw"].to(dtype))
        loss = (fw * inp["r_fw"].to(dtype)).sum() + (bw * inp["r_bw"].to(dtype)).sum() \
            + (mu_f * inp["r_mu"].to(dtype)).sum() + (sig_f * inp["r_sigma"].to(dtype)).sum()
        for name, t in (("mu_fw", mu_f), ("sigma_fw", sig_f), ("mu_bw", mu_b), ("sigma_bw", sig_b)):
            out[prefix + name] = t.detach()
    else:
        fw = net.student_direction(s3, s4, t3, t4)
        bw = net.student_direction(t3, t4, s3, s4)
        loss = (fw * inp["r_fw"].to(dtype)).sum() + (bw * inp["r_bw"].to(dtype)).sum()
    loss.backward()
    out[prefix + "fw"], out[prefix + "bw"], out[prefix + "loss"] = fw.detach(), bw.detach(), loss.detach().reshape(1)
    for name, p in net.named_parameters():
        if p.grad is None:
            raise SystemExit(f"parameter {name} got no gradient")
        out[prefix + "grad." + name] = p.grad
    for name, f in feats.items():
        out[prefix + "grad_in." + name] = f.grad
    for name, b in net.named_buffers():
        out[prefix + "buffer." + name] = b.detach().reshape(1) if b.dim() == 0 else b.detach()
    net.eval()
    with torch.no_grad():
        s3, s4, t3, t4 = net.adapt(*(inp[k].to(dtype) for k in ("src3", "src4", "tgt3", "tgt4")))
        if teacher:
            zero = torch.zeros(1, s3.shape[0], 2, s4.shape[1], dtype=dtype)
            out[prefix + "eval_fw"] = net.teacher_direction(s3, s4, t3, t4, zero)[0][0]
        else:
            out[prefix + "eval_fw"] = net.student_direction(s3, s4, t3, t4)
    return min(net.margins)


if __name__ == "__main__" and sys.argv[1] == "parity":
    role = sys.argv[2]
    cfg = json.load(open(sys.argv[3]))
    weights = load_safetensors(sys.argv[4])
    inp = torch.load(sys.argv[5])
    out = {}
    margin = run(role, cfg, weights, inp, torch.float64, out, "f64.")
    run(role, cfg, weights, inp, torch.float32, out, "f32.")
    out["margin"] = torch.tensor([margin], dtype=torch.float64)
    torch.save({k: v.clone().contiguous() for k, v in out.items()}, sys.argv[6])
