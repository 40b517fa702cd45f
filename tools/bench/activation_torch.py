"""PyTorch timings for the activations of tools/bench/ActivationBench.java (threads as given, median of reps)."""
import sys
import time

import torch

reps = int(sys.argv[1]) if len(sys.argv) > 1 else 50
torch.set_num_threads(int(sys.argv[2]) if len(sys.argv) > 2 else 2)
x = torch.randn(128, 1024) * 3
for name, f in (("relu", torch.relu), ("exp", torch.exp), ("sigmoid", torch.sigmoid), ("tanh", torch.tanh)):
    end = time.perf_counter() + 1
    while time.perf_counter() < end:
        f(x)
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(10):
            f(x)
        t.append((time.perf_counter() - t0) / 10 * 1e6)
    t.sort()
    us = t[reps // 2]
    print(f"pytorch  {name:<8s} [128, 1024]  {us:8.1f} us  ({us * 1e3 / x.numel():.2f} ns/element), {torch.get_num_threads()} threads")
