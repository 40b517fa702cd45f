"""PyTorch timings for the shapes of tools/bench/PoolBnBench.java (2 threads, median of reps)."""
import sys
import time

import torch

torch.set_num_threads(2)
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 20
for shape in ((128, 32, 28, 28), (128, 64, 14, 14)):
    x = torch.randn(*shape, requires_grad=True)
    for name, m in (("BatchNorm2d", torch.nn.BatchNorm2d(shape[1])), ("MaxPool2d(2)", torch.nn.MaxPool2d(2))):
        gy = torch.randn_like(m(x))
        for _ in range(5):
            m(x).backward(gy)
        fwd, both = [], []
        for _ in range(reps):
            t0 = time.perf_counter()
            y = m(x)
            t1 = time.perf_counter()
            y.backward(gy)
            t2 = time.perf_counter()
            x.grad = None
            fwd.append((t1 - t0) * 1e3)
            both.append((t2 - t0) * 1e3)
        fwd.sort()
        both.sort()
        label = f"{name} {list(shape)}"
        print(f"pytorch  {label:<32s} forward {fwd[reps // 2]:7.2f} ms   forward+backward {both[reps // 2]:7.2f} ms")
