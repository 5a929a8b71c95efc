#!/usr/bin/python3
"""Golden values for DistillKit's geometry and loss functions, written independently from METHODS.md §1.

Usage: /usr/bin/python3 tests/reference/make_loss_golden.py OUT_DIR

Writes OUT_DIR/index.json ({"tensors": {name: {"shape": [...], "offset": n}}}, offsets in float32 elements) and
OUT_DIR/data.bin (all tensors as raw little-endian float32, row-major). Inputs are drawn here in float32 with a fixed
seed and stored too, so the C# tests read the same inputs; every output is computed in float64 from them (so the
reference carries no float32 rounding of its own) and stored rounded to float32. Conventions: images [B,3,H,W] RGB in [0,1]; masks [B,1,H,W]
(1 = pixel counts); flow [B,2,H,W], channel 0 = u (x), 1 = v (y), pixels; warping samples image 2 at p + w(p),
bilinear, align_corners=True, zero padding. The census neighbourhood is gathered with a one-hot conv2d here (the C#
side uses unfold), so the two implementations differ in how they build the window.
"""
import json
import os
import sys

import torch
import torch.nn.functional as F

B, H, W = 2, 20, 28
GRAY = (0.2989, 0.5870, 0.1140)


def pixel_positions(flow):
    """p + w(p) in pixels, [B,2,H,W]."""
    _, _, h, w = flow.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=flow.dtype), torch.arange(w, dtype=flow.dtype), indexing="ij")
    return flow + torch.stack([xs, ys], 0).unsqueeze(0)


def warp(img, flow):
    """Samples img at p + w(p): bilinear, align_corners=True, zeros; also the in-bounds mask [0,W-1]x[0,H-1]."""
    _, _, h, w = img.shape
    pos = pixel_positions(flow)
    gx = 2.0 * pos[:, 0] / (w - 1) - 1.0
    gy = 2.0 * pos[:, 1] / (h - 1) - 1.0
    grid = torch.stack([gx, gy], dim=3)
    out = F.grid_sample(img, grid, mode="bilinear", padding_mode="zeros", align_corners=True)
    x, y = pos[:, 0:1], pos[:, 1:2]
    inside = ((x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)).to(img.dtype)
    return out, inside


def fb_discrepancy(wf, wb):
    wb_hat, _ = warp(wb, wf)
    return ((wf + wb_hat) ** 2).sum(1, keepdim=True), wb_hat


def fb_occlusion(wf, wb):
    """UnFlow: occluded when |w_f + ŵ_b|² > 0.01 (|w_f|² + |ŵ_b|²) + 0.5."""
    d, wb_hat = fb_discrepancy(wf, wb)
    bound = 0.01 * ((wf ** 2).sum(1, keepdim=True) + (wb_hat ** 2).sum(1, keepdim=True)) + 0.5
    return (d > bound).to(wf.dtype)


def resize_flow(flow, h2, w2):
    _, _, h, w = flow.shape
    out = F.interpolate(flow, size=(h2, w2), mode="bilinear", align_corners=True)
    return torch.cat([out[:, 0:1] * (w2 / w), out[:, 1:2] * (h2 / h)], 1)


def psi(d, m):
    """ψ(d; m) = Σ m (|d| + 0.01)^0.4 / (2 Σ m + 1e-6)."""
    return (m * (d.abs() + 0.01) ** 0.4).sum() / (2 * m.sum() + 1e-6)


def soft_census(img, r):
    gray = (GRAY[0] * img[:, 0:1] + GRAY[1] * img[:, 1:2] + GRAY[2] * img[:, 2:3]) * 255.0
    b, _, h, w = gray.shape
    k = 2 * r + 1
    # the window as a conv2d with K² one-hot kernels (the C# side uses unfold: two different gathers)
    onehot = torch.eye(k * k, dtype=gray.dtype).view(k * k, 1, k, k)
    neigh = F.conv2d(gray, onehot, padding=r)
    diff = neigh - gray
    return diff / torch.sqrt(0.81 + diff ** 2)


def border_mask(b, h, w, r):
    m = torch.zeros(b, 1, h, w, dtype=torch.float64)
    m[:, :, r:h - r, r:w - r] = 1
    return m


def census_loss(im1, im2w, m, r=3):
    t1, t2 = soft_census(im1, r), soft_census(im2w, r)
    sq = (t1 - t2) ** 2
    ham = (sq / (0.1 + sq)).sum(1, keepdim=True)
    b, _, h, w = im1.shape
    return psi(ham, m * border_mask(b, h, w, r))


def ternary_loss(im1, im2w, m, r=1):
    t1, t2 = soft_census(im1 * m, r), soft_census(im2w * m, r)
    sq = (t1 - t2) ** 2
    ham = (sq / (0.1 + sq)).mean(1, keepdim=True)
    b, _, h, w = im1.shape
    return (ham * border_mask(b, h, w, r)).mean() / m.mean()


def ssim_dist(x, y):
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    mx, my = F.avg_pool2d(x, 3, 1, 0), F.avg_pool2d(y, 3, 1, 0)
    vx = F.avg_pool2d(x * x, 3, 1, 0) - mx ** 2
    vy = F.avg_pool2d(y * y, 3, 1, 0) - my ** 2
    cxy = F.avg_pool2d(x * y, 3, 1, 0) - mx * my
    s = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))
    return torch.clamp((1 - s) / 2, 0, 1)


def ssim_loss(im1, im2w, m):
    return ssim_dist(im1 * m, im2w * m).mean() / m.mean()


def l1_loss(im1, im2w, m):
    return ((im1 - im2w).abs() * m).mean() / m.mean()


def census_distance(im1, im2w, r=3):
    """MDFlow's reliability check: soft Hamming distance summed over the 7x7 window, [B,1,H,W]."""
    t1, t2 = soft_census(im1, r), soft_census(im2w, r)
    sq = (t1 - t2) ** 2
    return (sq / (0.1 + sq)).sum(1, keepdim=True)


def supervision(f, target, m, eps=0.0, q=1.0):
    """ARFlow's augmentation-regularisation form: mean((|f - target| + eps)^q * m) / (mean(m) + 1e-7)."""
    return (((f - target).abs() + eps) ** q * m).mean() / (m.mean() + 1e-7)


def grad_xy(t):
    return t[:, :, :, 1:] - t[:, :, :, :-1], t[:, :, 1:, :] - t[:, :, :-1, :]


def edge_weights(img, alpha):
    ix, iy = grad_xy(img)
    return torch.exp(-alpha * ix.abs().mean(1, keepdim=True)), torch.exp(-alpha * iy.abs().mean(1, keepdim=True))


def smooth1(flow, img, alpha=10.0):
    wx, wy = edge_weights(img, alpha)
    dx, dy = grad_xy(flow)
    return 0.5 * (wx * dx.abs()).mean() + 0.5 * (wy * dy.abs()).mean()


def smooth2(flow, img, alpha=10.0):
    wx, wy = edge_weights(img, alpha)
    dx, dy = grad_xy(flow)
    dxx, _ = grad_xy(dx)
    _, dyy = grad_xy(dy)
    return 0.5 * (wx[:, :, :, 1:] * dxx.abs()).mean() + 0.5 * (wy[:, :, 1:, :] * dyy.abs()).mean()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_loss_golden.py OUT_DIR")
    out_dir = sys.argv[1]
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(20240607)
    torch.set_num_threads(1)
    out = {}

    # inputs: image 2 is a shifted, noisy copy of image 1 so the losses see realistic, partly matching pairs
    base = F.avg_pool2d(torch.rand(B, 3, H + 8, W + 8), 3, 1, 1)
    image1 = base[:, :, 4:4 + H, 4:4 + W].contiguous()
    image2 = (base[:, :, 3:3 + H, 5:5 + W] + 0.05 * torch.randn(B, 3, H, W)).clamp(0, 1).contiguous()
    flow = (torch.rand(B, 2, H, W) * 4 - 2) + torch.tensor([1.0, -1.0]).view(1, 2, 1, 1)
    flow_bw = -flow + 0.6 * torch.randn(B, 2, H, W)
    target = torch.rand(B, 2, H, W) * 6 - 3
    mask = (torch.rand(B, 1, H, W) > 0.3).float()
    # image 2 is image 1 moved by (u, v) = (-1, +1) (plus noise): flows near it for the reliable-match mask
    flow_near = torch.tensor([-1.0, 1.0]).view(1, 2, 1, 1) + 0.3 * torch.randn(B, 2, H, W)
    flow_near_bw = -torch.tensor([-1.0, 1.0]).view(1, 2, 1, 1) + 0.3 * torch.randn(B, 2, H, W)
    inputs = dict(image1=image1, image2=image2, flow=flow, flow_bw=flow_bw, target=target, mask=mask,
                  flow_near=flow_near, flow_near_bw=flow_near_bw)
    for k, v in inputs.items():
        out["in_" + k] = v
    image1, image2, flow, flow_bw, target, mask, flow_near, flow_near_bw = (v.double() for v in inputs.values())
    torch.set_default_dtype(torch.float64)

    warped, inside = warp(image2, flow)
    out["warp_out"], out["warp_inbounds"] = warped, inside
    out["fb_discrepancy"], _ = fb_discrepancy(flow, flow_bw)
    out["fb_occ_fw"], out["fb_occ_bw"] = fb_occlusion(flow, flow_bw), fb_occlusion(flow_bw, flow)
    out["resize_down"] = resize_flow(flow, 13, 17)
    out["resize_up"] = resize_flow(flow, 40, 56)

    def with_grad(name, fn):
        f = flow.clone().requires_grad_(True)
        loss = fn(f)
        loss.backward()
        out["loss_" + name] = loss.detach().reshape(1)
        out["grad_" + name] = f.grad

    ones = torch.ones(B, 1, H, W)
    with_grad("psi", lambda f: psi(f - target, mask))
    with_grad("psi_photo_nomask", lambda f: psi(image1 - warp(image2, f)[0], ones))
    with_grad("census", lambda f: census_loss(image1, warp(image2, f)[0], mask))
    with_grad("census_nomask", lambda f: census_loss(image1, warp(image2, f)[0], ones))
    with_grad("ternary", lambda f: ternary_loss(image1, warp(image2, f)[0], mask))
    with_grad("ssim", lambda f: ssim_loss(image1, warp(image2, f)[0], mask))
    with_grad("l1", lambda f: l1_loss(image1, warp(image2, f)[0], mask))
    with_grad("mix_l1ssim", lambda f: 0.15 * l1_loss(image1, warp(image2, f)[0], mask)
              + 0.85 * ssim_loss(image1, warp(image2, f)[0], mask))
    with_grad("smooth1", lambda f: smooth1(f, image1, 10.0))
    with_grad("smooth2", lambda f: smooth2(f, image1, 10.0))
    with_grad("smooth1_a150", lambda f: smooth1(f, image1, 150.0))
    with_grad("sup", lambda f: supervision(f, target, mask))
    with_grad("sup_eps_q", lambda f: supervision(f, target, mask, 0.01, 0.4))

    # MDFlow's reliable mask [D(I1, warp(I2, w)) <= tau] * noc with noc = 1 - the forward-backward occlusion
    distance = census_distance(image1, warp(image2, flow_near)[0])
    out["census_distance"] = distance
    noc = 1 - fb_occlusion(flow_near, flow_near_bw)
    for tau in (6, 14):
        out[f"reliable_tau{tau}"] = (distance <= tau).to(distance.dtype) * noc

    index, offset, chunks = {}, 0, []
    for name, t in out.items():
        t = t.detach().to(torch.float32).contiguous()
        index[name] = {"shape": list(t.shape), "offset": offset}
        offset += t.numel()
        chunks.append(t.numpy().astype("<f4").tobytes())
    with open(os.path.join(out_dir, "data.bin"), "wb") as fh:
        fh.write(b"".join(chunks))
    with open(os.path.join(out_dir, "index.json"), "w") as fh:
        json.dump({"torch": torch.__version__, "tensors": index}, fh, indent=1)


if __name__ == "__main__":
    main()
