#!/usr/bin/env python3
"""Writes a safetensors file with PyTorch's safetensors library, and the values it holds, for backprop's reader.

The Java test (dev.backprop.io.SafetensorsTest) reads both files and never calls Python. The tensors cover every
dtype backprop reads: F32 (2-D), F64, I64 (beyond 2^53), F16 and BF16 (with -0, inf, NaN, subnormals; read as
float32), I32, I8, U8 (read as int64), BOOL, a 0-d scalar and an empty tensor, plus string metadata.

Expected values are written as the float32/float64 values backprop must produce: floats as JSON numbers (Python's
repr is exact, and NaN/Infinity are tokens our Json reader accepts); integers as decimal strings, since a JSON
number (a double) cannot hold every int64.

Run:  /tmp/ref/bin/python tools/golden/make_safetensors_fixture.py   (needs torch and safetensors)
Out:  backprop-core/src/test/resources/golden/torch.safetensors
      backprop-core/src/test/resources/golden/torch_safetensors.json
"""
import json
import os

import torch
from safetensors.torch import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.join(HERE, "..", "..", "backprop-core", "src", "test", "resources", "golden")


def main():
    g = torch.Generator().manual_seed(1234)
    special = [0.0, -0.0, 1.0, -2.5, float("inf"), float("-inf"), float("nan"), 65504.0, 6.0e-8, 1.0e-5, 3.14159]
    tensors = {
        "f32_2d": torch.randn(3, 4, generator=g, dtype=torch.float32),
        "f64_1d": torch.tensor([1.0 / 3.0, -1e300, 5e-324, 2.0 ** 60, -0.0], dtype=torch.float64),
        "i64": torch.tensor([[0, -1, 2 ** 62 + 1], [-(2 ** 63), 2 ** 63 - 1, 7]], dtype=torch.int64),
        "f16": torch.tensor(special, dtype=torch.float16).reshape(11),
        "bf16": torch.tensor(special + [1.0e38], dtype=torch.bfloat16).reshape(3, 4),
        "i32": torch.tensor([-(2 ** 31), 2 ** 31 - 1, 0, -5], dtype=torch.int32),
        "i8": torch.tensor([-128, 127, 0, -1], dtype=torch.int8),
        "u8": torch.tensor([0, 255, 128, 1], dtype=torch.uint8),
        "mask": torch.tensor([[True, False, True], [False, False, True]]),
        "scalar": torch.tensor(2.718281828, dtype=torch.float32),
        "empty": torch.zeros(2, 0, 3, dtype=torch.float32),
    }
    metadata = {"format": "pt", "producer": "tools/golden/make_safetensors_fixture.py", "note": "héllo ✓"}

    os.makedirs(OUT_DIR, exist_ok=True)
    save_file(tensors, os.path.join(OUT_DIR, "torch.safetensors"), metadata=metadata)

    def expected(t):
        if t.dtype in (torch.float16, torch.bfloat16, torch.float32):
            kind, values = "float32", t.float().flatten().tolist()
        elif t.dtype == torch.float64:
            kind, values = "float64", t.flatten().tolist()
        elif t.dtype == torch.bool:
            kind, values = "bool", t.flatten().tolist()
        else:
            kind, values = "int64", [str(v) for v in t.to(torch.int64).flatten().tolist()]
        return {"dtype": kind, "shape": list(t.shape), "values": values}

    fixture = {
        "metadata": metadata,
        "tensors": {name: expected(t) for name, t in tensors.items()},
        "torch_version": torch.__version__,
    }
    with open(os.path.join(OUT_DIR, "torch_safetensors.json"), "w", encoding="utf-8") as f:
        json.dump(fixture, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
