#!/usr/bin/python3
"""Golden values for backward warping with three out-of-image behaviours, written from their definitions (README
"Conventions"; DDFlow's warp as its code defines it), not with grid_sample and not from the kit's C# code.

Usage: /usr/bin/python3 tests/reference/make_warp_golden.py OUT_DIR

Writes OUT_DIR/warp.pth (torch.save of a dict of float64 tensors; each its own storage). Inputs, drawn here in float32
with a fixed seed and stored as float64: in_image2 [B,3,H,W], in_flow [B,2,H,W] (u, v in pixels; many targets leave
the image), in_weights [B,3,H,W]. For each mode in zeros, border, ddflow: warp_MODE = image 2 sampled at p + w(p)
(pixel centres at integers, the image spans [0,W-1]x[0,H-1], i.e. align_corners=True), and the gradients of
sum(warp_MODE * in_weights) with respect to the image (grad_image_MODE) and the flow (grad_flow_MODE). Also inbounds
[B,1,H,W] (1 where p + w(p) lies in [0,W-1]x[0,H-1]). Everything is computed in float64.

Modes:
  zeros   bilinear over the four pixels around the position; a pixel outside the image contributes 0
  border  the position is clamped to [0,W-1]x[0,H-1], then bilinear (DDFlow's *paper* says nothing; TF's dense_image_warp
          and grid_sample's "border" behave so)
  ddflow  DDFlow's tf_warp: x0 = x truncated towards zero, x1 = x0 + 1, both clipped to [0,W-1] (same for y); the
          weights (x1 - x)(y1 - y), (x1 - x)(y - y0), (x - x0)(y1 - y), (x - x0)(y - y0) use the unclipped x, y
"""
import math
import os
import sys

import torch

B, C, H, W = 2, 3, 9, 13
REACH = (9.0, 7.0)  # |u| and |v| up to these: most rows and columns have targets outside


def pick(img, xi, yi):
    """img[b, :, yi, xi] for integer maps xi, yi [B,H',W'] inside the image -> [B,C,H',W']."""
    b = torch.arange(img.shape[0]).view(-1, 1, 1).expand_as(xi)
    return img[b, :, yi, xi].permute(0, 3, 1, 2)


def warp_zeros(img, x, y):
    _, _, h, w = img.shape
    x0, y0 = torch.floor(x), torch.floor(y)
    out = torch.zeros(img.shape[0], img.shape[1], *x.shape[1:], dtype=img.dtype)
    for xi, wx in ((x0, x0 + 1 - x), (x0 + 1, x - x0)):
        for yi, wy in ((y0, y0 + 1 - y), (y0 + 1, y - y0)):
            inside = ((xi >= 0) & (xi <= w - 1) & (yi >= 0) & (yi <= h - 1)).to(img.dtype)
            value = pick(img, xi.clamp(0, w - 1).long(), yi.clamp(0, h - 1).long()) * inside[:, None]
            out = out + (wx * wy)[:, None] * value
    return out


def warp_border(img, x, y):
    _, _, h, w = img.shape
    xc, yc = x.clamp(0, w - 1), y.clamp(0, h - 1)
    x0, y0 = torch.floor(xc).clamp(max=w - 2), torch.floor(yc).clamp(max=h - 2)  # all four pixels inside
    ax, ay = xc - x0, yc - y0
    x0, y0 = x0.long(), y0.long()
    return ((1 - ax) * (1 - ay))[:, None] * pick(img, x0, y0) + ((1 - ax) * ay)[:, None] * pick(img, x0, y0 + 1) \
        + (ax * (1 - ay))[:, None] * pick(img, x0 + 1, y0) + (ax * ay)[:, None] * pick(img, x0 + 1, y0 + 1)


def warp_ddflow(img, x, y):
    _, _, h, w = img.shape
    xt, yt = torch.trunc(x.detach()), torch.trunc(y.detach())
    x0, x1 = xt.clamp(0, w - 1), (xt + 1).clamp(0, w - 1)
    y0, y1 = yt.clamp(0, h - 1), (yt + 1).clamp(0, h - 1)
    ia, ib = pick(img, x0.long(), y0.long()), pick(img, x0.long(), y1.long())
    ic, id_ = pick(img, x1.long(), y0.long()), pick(img, x1.long(), y1.long())
    return ((x1 - x) * (y1 - y))[:, None] * ia + ((x1 - x) * (y - y0))[:, None] * ib \
        + ((x - x0) * (y1 - y))[:, None] * ic + ((x - x0) * (y - y0))[:, None] * id_


def main(out_dir):
    torch.manual_seed(11)
    image2 = torch.rand(B, C, H, W)
    flow = (torch.rand(B, 2, H, W) * 2 - 1) * torch.tensor(REACH).view(1, 2, 1, 1)
    weights = torch.randn(B, C, H, W)
    image2, flow, weights = image2.double(), flow.double(), weights.double()

    ys, xs = torch.meshgrid(torch.arange(H, dtype=torch.float64), torch.arange(W, dtype=torch.float64), indexing="ij")
    px, py = (xs + flow[:, 0]).float().double(), (ys + flow[:, 1]).float().double()  # positions as float32 holds them
    # the three modes differ only where the cases below occur; bilinear has kinks at integer positions, keep away
    assert ((px < 0) | (px > W - 1)).any() and ((py < 0) | (py > H - 1)).any(), "no target leaves the image"
    assert ((px > -1) & (px < 0)).any() and ((py > -1) & (py < 0)).any(), "no target in (-1, 0)"
    assert ((px > W - 1) & (px < W)).any(), "no target just past the last column"
    dist = torch.minimum((px - px.round()).abs(), (py - py.round()).abs()).min().item()
    assert dist > 1e-4, f"a target lies {dist} from an integer coordinate"

    out = {"in_image2": image2, "in_flow": flow, "in_weights": weights}
    inside = (px >= 0) & (px <= W - 1) & (py >= 0) & (py <= H - 1)
    out["inbounds"] = inside[:, None].double()
    for name, fn in (("zeros", warp_zeros), ("border", warp_border), ("ddflow", warp_ddflow)):
        img = image2.clone().requires_grad_()
        fl = flow.clone().requires_grad_()
        warped = fn(img, xs + fl[:, 0], ys + fl[:, 1])
        (warped * weights).sum().backward()
        out[f"warp_{name}"] = warped.detach()
        out[f"grad_image_{name}"] = img.grad
        out[f"grad_flow_{name}"] = fl.grad
    # the modes really differ on these inputs
    assert (out["warp_zeros"] - out["warp_border"]).abs().max() > 0.1
    assert (out["warp_ddflow"] - out["warp_zeros"]).abs().max() > 0.1
    assert (out["warp_ddflow"] - out["warp_border"]).abs().max() > 0.1
    os.makedirs(out_dir, exist_ok=True)
    torch.save({k: v.clone().contiguous() for k, v in out.items()}, os.path.join(out_dir, "warp.pth"))


if __name__ == "__main__":
    main(sys.argv[1])
