"""backprop bench: PyTorch training throughput of the networks backprop measures, on the same data and settings.

Usage: python train_torch.py CONFIG_JSON
CONFIG_JSON: {"data_dir": str, "batch": 128, "lr": 0.001, "threads": int, "steps": int (0: one whole epoch),
              "repeats": int, "warmup_steps": int, "warmup_seconds": float, "seed": int, "hidden": [256, 128],
              "model": "mlp" | "cnn-bn"}
Loads Fashion-MNIST's training IDX files (plain or .gz) itself and scales pixels to [0, 1], as `backprop train`
does. "mlp": standardises each feature (pixel) with the training set's mean and population std (a std below 1e-6
counts as 1) and trains nn.Sequential(Linear, ReLU, ..., Linear). "cnn-bn": standardises with one mean and std
over all pixels and trains backprop's cnn-bn preset: Conv2d(1, 32, 3, padding 1, no bias), BatchNorm2d, ReLU,
MaxPool2d(2), Conv2d(32, 64, 3, padding 1, no bias), BatchNorm2d, ReLU, MaxPool2d(2), Flatten, Linear(3136, 128),
ReLU, Dropout(0.25), Linear(128, 10). Adam and cross-entropy; each step does what backprop's
Trainer does: a shuffled batch, forward, loss (read with .item()), zero_grad, backward, step, and the batch's
accuracy. Warm-up: passes of `warmup_steps` steps until `warmup_seconds` have passed (at least one). Then `repeats`
timed passes over the first steps*batch examples (or all of them), each reshuffled. Prints one JSON line.
"""
import gzip
import json
import os
import platform
import sys
import time


def read_idx(directory, name):
    import numpy as np
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            opener = gzip.open if candidate.endswith(".gz") else open
            with opener(path, "rb") as f:
                data = f.read()
            ndim = data[3]
            dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)
    raise FileNotFoundError("%s(.gz) not found in %s" % (name, directory))


def main():
    cfg = json.loads(sys.argv[1])
    try:
        import numpy as np
        import torch
        import torch.nn.functional as F
    except Exception as e:
        print(json.dumps({"error": "torch not found in %s (%s: %s)" % (sys.executable, type(e).__name__, e)}))
        return 3
    threads = int(cfg.get("threads", os.cpu_count() or 1))
    torch.set_num_threads(threads)
    torch.manual_seed(int(cfg.get("seed", 1)))
    batch = int(cfg.get("batch", 128))

    images = read_idx(cfg["data_dir"], "train-images-idx3-ubyte")
    labels = read_idx(cfg["data_dir"], "train-labels-idx1-ubyte")
    x = images.reshape(images.shape[0], -1).astype(np.float32) / np.float32(255)
    cnn = cfg.get("model", "mlp") == "cnn-bn"
    if cnn:
        mean = x.mean(dtype=np.float64)
        std = float(np.sqrt(((x - mean) ** 2).mean(dtype=np.float64)))
        x = ((x - np.float32(mean)) / np.float32(std)).astype(np.float32).reshape(-1, 1, 28, 28)
    else:
        mean = x.mean(axis=0, dtype=np.float64)
        std = np.sqrt(((x - mean) ** 2).mean(axis=0))
        std[std < 1e-6] = 1.0
        x = ((x - mean.astype(np.float32)) / std.astype(np.float32)).astype(np.float32)
    xs = torch.from_numpy(np.ascontiguousarray(x))
    ys = torch.from_numpy(labels.astype(np.int64))
    n_all = xs.shape[0]
    classes = int(ys.max().item()) + 1

    nn = torch.nn
    if cnn:
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.25), nn.Linear(128, classes))
    else:
        sizes = [xs.shape[1]] + [int(h) for h in cfg.get("hidden", [256, 128])]
        layers = []
        for i in range(len(sizes) - 1):
            layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], classes))
        model = nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=float(cfg.get("lr", 1e-3)))
    gen = torch.Generator().manual_seed(int(cfg.get("seed", 1)))
    model.train()

    def run_pass(n):
        """One pass over the first n examples, shuffled; returns (examples, seconds)."""
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        correct = 0
        for i in range(0, n, batch):
            idx = perm[i:i + batch]
            xb, yb = xs[idx], ys[idx]
            out = model(xb)
            loss = F.cross_entropy(out, yb)
            loss_value = loss.item()
            if loss_value != loss_value:
                raise RuntimeError("loss is NaN")
            opt.zero_grad()
            loss.backward()
            opt.step()
            with torch.no_grad():
                correct += int((out.argmax(1) == yb).sum().item())
        return n, time.perf_counter() - t0

    warm_n = min(n_all, int(cfg.get("warmup_steps", 50)) * batch)
    warm_until = time.perf_counter() + float(cfg.get("warmup_seconds", 2.0))
    while True:
        run_pass(warm_n)
        if time.perf_counter() >= warm_until:
            break
    steps = int(cfg.get("steps", 0))
    n = n_all if steps <= 0 else min(n_all, steps * batch)
    rates = []
    for _ in range(int(cfg.get("repeats", 3))):
        done, seconds = run_pass(n)
        rates.append(done / seconds)
    ordered = sorted(rates)
    print(json.dumps({"torch": torch.__version__, "python": platform.python_version(), "executable": sys.executable,
                      "threads": torch.get_num_threads(), "examples": n, "steps": (n + batch - 1) // batch,
                      "samples_per_second": ordered[len(ordered) // 2], "all_samples_per_second": rates}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
