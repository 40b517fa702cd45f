#!/usr/bin/env python3
"""Writes golden values for dev.backprop.data.Transforms: torchvision's augmentation transforms with fixed parameters.

torchvision is not a dependency (nor installed): its definitions are rewritten below with torch ops, following
torchvision 0.2x's transforms/functional_tensor.py line by line where it matters:

- RandomCrop(size=(H, W), padding=p, fill): F.pad(img, [p]*4, value=fill), then the window [i:i+H, j:j+W];
- RandomHorizontalFlip: img.flip(-1);
- RandomAffine(degrees=0, translate=(f, f)): tx = round(U(-fW, fW)), ty = round(U(-fH, fH)); F.affine with the
  inverse affine matrix of _get_inverse_affine_matrix, an affine grid (_gen_affine_grid) and grid_sample (NEAREST,
  align_corners=False) with the fill mask of _apply_grid_transform;
- RandomRotation(degrees, BILINEAR, fill): F.rotate = the same grid with matrix _get_inverse_affine_matrix(
  [0, 0], -angle, ...), bilinear, and img * mask + (1 - mask) * fill;
- RandomErasing: h = int(round(sqrt(area * r))), w = int(round(sqrt(area / r))) (Python rounds halves to even);
  the rectangle [i:i+h, j:j+w] of every channel set to value;
- Normalize: (img - mean[c]) / std[c].

The random draws (i, j, the flip, the shift, the angle, the erased rectangle) are fixed here; the Java test
(AugmentGoldenTest) calls the transforms' kernels with the same values and compares the images.

Run:  /tmp/ref/bin/python tools/golden/make_augment_golden.py   (needs torch and numpy)
Out:  backprop-data/src/test/resources/golden/augment.json
"""
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "backprop-data", "src", "test", "resources", "golden",
                   "augment.json")

rng = np.random.default_rng(20261204)
IMAGES = {
    "a": rng.uniform(-1, 1, size=(2, 7, 9)).astype(np.float32),   # not square: catches a swapped H and W
    "b": rng.uniform(0, 1, size=(1, 8, 8)).astype(np.float32),
    "c": rng.uniform(-2, 2, size=(3, 5, 4)).astype(np.float32),
}


def t(name):
    return torch.from_numpy(IMAGES[name].copy())


def flat(x):
    return [float(v) for v in x.reshape(-1).tolist()]


# --- torchvision.transforms.functional / functional_tensor, rewritten -------------------------------------------

def inverse_affine_matrix(center, angle, translate, scale, shear):
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [d, -b, 0.0, -c, a, 0.0]
    matrix = [x / scale for x in matrix]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix


def gen_affine_grid(theta, w, h, ow, oh):
    d = 0.5
    base_grid = torch.empty(1, oh, ow, 3, dtype=theta.dtype)
    x_grid = torch.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, steps=ow)
    base_grid[..., 0].copy_(x_grid)
    y_grid = torch.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, steps=oh).unsqueeze_(-1)
    base_grid[..., 1].copy_(y_grid)
    base_grid[..., 2].fill_(1)
    rescaled_theta = theta.transpose(1, 2) / torch.tensor([0.5 * w, 0.5 * h], dtype=theta.dtype)
    output_grid = base_grid.view(1, oh * ow, 3).bmm(rescaled_theta)
    return output_grid.view(1, oh, ow, 2)


def apply_grid_transform(img, grid, mode, fill):
    img = img.unsqueeze(0)
    mask = torch.ones((img.shape[0], 1, img.shape[2], img.shape[3]), dtype=img.dtype)
    img = torch.cat((img, mask), dim=1)
    img = F.grid_sample(img, grid, mode=mode, padding_mode="zeros", align_corners=False)
    mask = img[:, -1:, :, :]
    img = img[:, :-1, :, :]
    mask = mask.expand_as(img)
    fill_img = torch.tensor([float(fill)] * img.shape[1], dtype=img.dtype).view(1, -1, 1, 1).expand_as(img)
    if mode == "nearest":
        mask = mask < 0.5
        img[mask] = fill_img[mask]
    else:
        img = img * mask + (1.0 - mask) * fill_img
    return img.squeeze(0)


def affine(img, matrix, mode, fill):
    h, w = img.shape[-2], img.shape[-1]
    theta = torch.tensor(matrix, dtype=img.dtype).reshape(1, 2, 3)
    grid = gen_affine_grid(theta, w=w, h=h, ow=w, oh=h)
    return apply_grid_transform(img, grid, mode, fill)


def random_crop(img, padding, fill, i, j):
    h, w = img.shape[-2], img.shape[-1]
    padded = F.pad(img, [padding] * 4, mode="constant", value=fill)
    return padded[..., i:i + h, j:j + w]


def translate(img, tx, ty, fill):     # RandomAffine(degrees=0, translate=...) with the drawn (tx, ty)
    matrix = inverse_affine_matrix([0.0, 0.0], 0.0, [float(tx), float(ty)], 1.0, [0.0, 0.0])
    return affine(img, matrix, "nearest", fill)


def rotate(img, angle, fill):         # F.rotate(img, angle, BILINEAR, expand=False, center=None, fill)
    matrix = inverse_affine_matrix([0.0, 0.0], -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    return affine(img, matrix, "bilinear", fill)


def erase(img, i, j, h, w, value):
    out = img.clone()
    out[..., i:i + h, j:j + w] = value
    return out


def normalize(img, mean, std):
    m = torch.tensor(mean, dtype=img.dtype).view(-1, 1, 1)
    s = torch.tensor(std, dtype=img.dtype).view(-1, 1, 1)
    return (img - m) / s


# --- cases --------------------------------------------------------------------------------------------------------

out = {"images": {k: {"shape": list(v.shape), "data": flat(v)} for k, v in IMAGES.items()}}

out["crop"] = []
for image, padding, fill, i, j in [("a", 0, 0.0, 0, 0), ("a", 2, 0.0, 0, 0), ("a", 2, -0.5, 4, 1), ("a", 2, 0.25, 2, 2),
                                   ("a", 3, 1.5, 6, 0), ("b", 1, 0.0, 2, 1), ("b", 4, -1.0, 8, 8), ("c", 1, 0.0, 0, 2)]:
    res = random_crop(t(image), padding, fill, i, j)
    out["crop"].append({"image": image, "padding": padding, "fill": fill, "i": i, "j": j, "out": flat(res)})

out["flip"] = [{"image": k, "out": flat(t(k).flip(-1))} for k in IMAGES]

out["translate"] = []
# (image, fraction, raw draws of U(-fW, fW) and U(-fH, fH), fill): the shift is round(raw), halves to even.
for image, fraction, rx, ry, fill in [("a", 0.2, 1.3, -0.7, 0.0), ("a", 0.3, 2.5, -1.5, -0.5), ("a", 0.45, -3.6, 2.2, 1.0),
                                      ("b", 0.125, 0.5, -0.5, 0.0), ("b", 0.5, -3.9, 3.5, -2.0), ("c", 0.25, -0.49, 1.01, 0.5)]:
    tx, ty = int(round(rx)), int(round(ry))
    res = translate(t(image), tx, ty, fill)
    out["translate"].append({"image": image, "fraction": fraction, "raw_x": rx, "raw_y": ry, "tx": tx, "ty": ty,
                             "fill": fill, "out": flat(res)})

out["rotate"] = []
for image, angle, fill in [("a", 0.0, 0.0), ("a", 7.5, 0.0), ("a", -23.0, 0.0), ("a", 33.3, -0.5), ("a", 90.0, 0.0),
                           ("a", 180.0, 0.25), ("b", 12.0, 0.0), ("b", -45.0, -1.0), ("c", 15.0, 0.0)]:
    res = rotate(t(image), angle, fill)
    out["rotate"].append({"image": image, "angle": angle, "fill": fill, "out": flat(res)})

out["erase"] = []
for image, i, j, h, w, value in [("a", 1, 2, 3, 4, 0.0), ("a", 0, 0, 6, 8, -0.5), ("b", 5, 3, 2, 5, 1.5),
                                 ("c", 2, 1, 0, 2, 9.0), ("c", 0, 3, 5, 1, -3.0)]:
    res = erase(t(image), i, j, h, w, value)
    out["erase"].append({"image": image, "i": i, "j": j, "h": h, "w": w, "value": value, "out": flat(res)})

# The erased size from the drawn area and aspect ratio (RandomErasing.get_params), with Python's rounding.
out["erase_size"] = []
sizes = [(6.25, 1.0), (12.25, 1.0), (20.25, 1.0), (2.25, 1.0), (0.2, 0.3)]
prng = np.random.default_rng(7)
for _ in range(12):
    area = float(28 * 28 * prng.uniform(0.02, 0.33))
    sizes.append((area, float(math.exp(prng.uniform(math.log(0.3), math.log(3.3))))))
for area, ratio in sizes:
    out["erase_size"].append({"area": area, "ratio": ratio, "h": int(round(math.sqrt(area * ratio))),
                              "w": int(round(math.sqrt(area / ratio)))})

out["normalize"] = []
for image, mean, std in [("a", [0.1, -0.2], [0.5, 2.0]), ("b", [0.1307], [0.3081]), ("c", [0.5], [0.25]),
                         ("c", [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])]:
    res = normalize(t(image), mean, std)
    out["normalize"].append({"image": image, "mean": mean, "std": std, "out": flat(res)})

out["_meta"] = {"torch": torch.__version__, "numpy": np.__version__, "script": "tools/golden/make_augment_golden.py"}
os.makedirs(os.path.dirname(OUT), exist_ok=True)
tmp = OUT + ".tmp"
with open(tmp, "w") as f:
    json.dump(out, f, separators=(",", ":"))
os.replace(tmp, OUT)
print("wrote", os.path.normpath(OUT))
