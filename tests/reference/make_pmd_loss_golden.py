#!/usr/bin/python3
"""Golden values for DistillKit's PMD losses (lib/Losses/Pmd*.cs), written independently from METHODS.md section 6
and the formulas the kit documents on each function.

Usage: /usr/bin/python3 tests/reference/make_pmd_loss_golden.py OUT_DIR

Writes OUT_DIR/index.json ({"tensors": {name: {"shape": [...], "offset": n}}}, offsets in float32 elements) and
OUT_DIR/data.bin (raw little-endian float32, row-major), like make_loss_golden.py. Inputs are drawn here in float32
with a fixed seed and stored; every output is computed in float64 from them and stored rounded to float32.
Flows are normalised cell flows (align_corners=False: cell i of w has its centre at (2i+1)/w - 1), channel 0 = u:
student [B,2,h,w], hypotheses [K,B,2,h,w]. Bilinear sampling is written out here (clamped to the outer cell centres,
which is grid_sample's border padding); the C# side calls grid_sample.
"""
import json
import os
import sys

import torch

K, B, H, W, C = 3, 2, 6, 7, 5


def centres(h, w, dtype):
    ys = (2 * torch.arange(h, dtype=dtype) + 1) / h - 1
    xs = (2 * torch.arange(w, dtype=dtype) + 1) / w - 1
    return torch.stack([xs.reshape(1, w).expand(h, w), ys.reshape(h, 1).expand(h, w)])   # [2,h,w]


def sample_border(field, pos):
    """field [N,C,h,w] at normalised positions pos [N,2,h,w]; coordinates clamped to [0, n-1] cells, then bilinear."""
    n, c, h, w = field.shape
    x = (((pos[:, 0] + 1) * w - 1) / 2).clamp(0, w - 1)
    y = (((pos[:, 1] + 1) * h - 1) / 2).clamp(0, h - 1)
    x0, y0 = x.floor().long(), y.floor().long()
    x1, y1 = (x0 + 1).clamp(max=w - 1), (y0 + 1).clamp(max=h - 1)
    fx, fy = (x - x0).unsqueeze(1), (y - y0).unsqueeze(1)
    flat = field.reshape(n, c, h * w)

    def at(yi, xi):
        idx = (yi * w + xi).reshape(n, 1, -1).expand(n, c, -1)
        return flat.gather(2, idx).reshape(n, c, *yi.shape[1:])

    return (1 - fx) * (1 - fy) * at(y0, x0) + fx * (1 - fy) * at(y0, x1) + (1 - fx) * fy * at(y1, x0) + fx * fy * at(y1, x1)


def teacher_regression(hyp, gt, valid):
    """(1/K) sum_k sum m |F_k - F_gt|^2 / max(sum m, 1)."""
    per = ((hyp - gt.unsqueeze(0)) ** 2).sum(2, keepdim=True) * valid.unsqueeze(0)
    return per.sum() / hyp.shape[0] / valid.sum().clamp(min=1)


def prior_kl(mu, sigma):
    """mean of KL(N(mu, sigma^2) || N(0, 1)) = 0.5 (mu^2 + sigma^2 - 1 - log sigma^2)."""
    return (0.5 * (mu ** 2 + sigma ** 2 - 1 - torch.log(sigma ** 2))).mean()


def cycle_weight(flow, back, inb):
    """d = |F(p) + F_back(p + F(p))|, w = 1 - sigmoid(50 (d - 0.08)), min-max per map (constant -> 1), times in-bounds."""
    k, b, _, h, w = flow.shape
    f = flow.reshape(k * b, 2, h, w)
    g = back.reshape(k * b, 2, h, w)
    d = (f + sample_border(g, f + centres(h, w, f.dtype))).norm(dim=1)     # [KB,h,w]
    wt = 1 - torch.sigmoid(50 * (d - 0.08))
    flat = wt.reshape(k * b, -1)
    lo, hi = flat.min(1, keepdim=True).values, flat.max(1, keepdim=True).values
    norm = torch.where(hi - lo <= 1e-6, torch.ones_like(flat), (flat - lo) / (hi - lo))
    return norm.reshape(k, b, 1, h, w) * inb.unsqueeze(0)


def psr_weights(fs, hyp, v, as_coded):
    den = 2 * (v ** 2 if as_coded else v)
    return torch.exp(-((hyp - fs.unsqueeze(0)) ** 2) / den.unsqueeze(0))


def smooth(f):
    return 0.5 * (f[..., 1:] - f[..., :-1]).abs().mean() + 0.5 * (f[..., 1:, :] - f[..., :-1, :]).abs().mean()


def cal(fs, hyp, cyc, wts, a=16.0, lam=0.5):
    """a * sum_l sum_p c_l sum_ch w_l (F_s - F_l)^2 / (B h w) + lam * smooth(F_s)."""
    b, _, h, w = fs.shape
    term = 0.0
    for l in range(hyp.shape[0]):
        term = term + (cyc[l] * (wts[l] * (fs - hyp[l]) ** 2).sum(1, keepdim=True)).sum()
    return a * term / (b * h * w) + lam * smooth(fs)


def main(out_dir):
    g = torch.Generator().manual_seed(20261203)
    r = lambda *s: torch.randn(*s, generator=g)
    u = lambda *s: torch.rand(*s, generator=g)
    inputs = {
        "student": 0.1 * r(B, 2, H, W),
        "gt": 0.1 * r(B, 2, H, W),
        "valid": (u(B, 1, H, W) > 0.2).float(),
        "mu": r(K, B, 2, C),
        "sigma": torch.nn.functional.softplus(r(K, B, 2, C)),
        "variance": 0.02 + 0.18 * u(B, 2, H, W),
        "inbounds": (u(B, 1, H, W) > 0.1).float(),
    }
    inputs["hyp"] = inputs["student"].unsqueeze(0) + 0.2 * r(K, B, 2, H, W)
    shift = torch.tensor([0.2, -0.1]).reshape(1, 1, 2, 1, 1)
    inputs["flow_t2s"] = shift + 0.05 * r(K, B, 2, H, W)
    inputs["flow_s2t"] = -shift + 0.05 * r(K, B, 2, H, W)
    inputs = {k: v.float() for k, v in inputs.items()}
    x = {k: v.double() for k, v in inputs.items()}

    out = {"in_" + k: v for k, v in inputs.items()}
    hyp = x["hyp"].clone().requires_grad_()
    reg = teacher_regression(hyp, x["gt"], x["valid"])
    reg.backward()
    out["teacher_reg"], out["grad_teacher_reg"] = reg.detach(), hyp.grad
    mu, sigma = x["mu"].clone().requires_grad_(), x["sigma"].clone().requires_grad_()
    kl = prior_kl(mu, sigma)
    kl.backward()
    out["teacher_kl"], out["grad_kl_mu"], out["grad_kl_sigma"] = kl.detach(), mu.grad, sigma.grad
    out["teacher_total"] = (teacher_regression(x["hyp"], x["gt"], x["valid"]) + 1e-3 * prior_kl(x["mu"], x["sigma"]))

    cyc = cycle_weight(x["flow_t2s"], x["flow_s2t"], x["inbounds"])
    out["cycle"] = cyc
    out["cycle_nomask"] = cycle_weight(x["flow_t2s"], x["flow_s2t"], torch.ones(B, 1, H, W, dtype=torch.float64))
    psr = psr_weights(x["student"], x["hyp"], x["variance"], False)
    out["psr_gaussian"] = psr
    out["psr_ascoded"] = psr_weights(x["student"], x["hyp"], x["variance"], True)
    out["variance_update"] = x["variance"] + 0.01 * (x["hyp"].var(0, unbiased=True) - x["variance"])

    fs = x["student"].clone().requires_grad_()
    loss = cal(fs, x["hyp"], cyc, psr)
    loss.backward()
    out["cal"], out["grad_cal"] = loss.detach(), fs.grad
    out["cal_nosmooth"] = cal(x["student"], x["hyp"], cyc, psr, lam=0.0)
    out["smooth"] = smooth(x["student"])

    os.makedirs(out_dir, exist_ok=True)
    index, offset, blobs = {}, 0, []
    for name, t in out.items():
        t = t.detach().to(torch.float32).contiguous()
        index[name] = {"shape": list(t.shape), "offset": offset}
        offset += t.numel()
        blobs.append(t.numpy().tobytes())
    json.dump({"tensors": index}, open(os.path.join(out_dir, "index.json"), "w"), indent=1)
    with open(os.path.join(out_dir, "data.bin"), "wb") as f:
        for b in blobs:
            f.write(b)


if __name__ == "__main__":
    main(sys.argv[1])
