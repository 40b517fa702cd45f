#!/usr/bin/env python3
"""PyTorch's side of the convolution benchmark: the two convolutions of cnn-bn at batch 128 on 28x28 images,
forward, input gradient and weight gradient, on 2 threads (as backprop). Prints one line per shape and direction
in the same format as the Java side (dev.backprop.kernels.ConvBench), median (and minimum) ms over repeats.

Run both side by side (the machine is noisy):  tools/bench/conv_bench.sh
"""
import sys
import time

import torch

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
SHAPES = [  # name, x shape, w shape, padding
    ("conv1", (128, 1, 28, 28), (32, 1, 3, 3), 1),
    ("conv2", (128, 32, 14, 14), (64, 32, 3, 3), 1),
]


def median_ms(fn, seconds=1.0):
    for _ in range(3):
        fn()
    times = []
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or len(times) < 5:
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    times.sort()
    return times[len(times) // 2], times[0]


def main():
    g = torch.Generator().manual_seed(0)
    for name, xs, ws, pad in SHAPES:
        x = torch.rand(xs, generator=g) * 2 - 1
        w = torch.rand(ws, generator=g) * 2 - 1
        y = torch.nn.functional.conv2d(x, w, padding=pad)
        gy = torch.rand(y.shape, generator=g) * 2 - 1
        conv_bw = torch.ops.aten.convolution_backward
        args = (gy, x, w, None, [1, 1], [pad, pad], [1, 1], False, [0, 0], 1)
        fwd = median_ms(lambda: torch.nn.functional.conv2d(x, w, padding=pad))
        din = median_ms(lambda: conv_bw(*args, [True, False, False]))
        dw = median_ms(lambda: conv_bw(*args, [False, True, False]))
        for what, ms in (("forward", fwd), ("input-grad", din), ("weight-grad", dw)):
            print(f"pytorch {name} {what:12s} {ms[0]:8.3f} ms (min {ms[1]:.3f})")


if __name__ == "__main__":
    with torch.no_grad():
        main()
