"""backprop bench: float32 GEMM throughput of numpy's matmul (OpenBLAS, usually) on the shapes backprop measures.

Usage: python gemm_numpy.py CONFIG_JSON
CONFIG_JSON: {"shapes": [{"name": str, "m": int, "n": int, "k": int, "trans_a": bool, "trans_b": bool}, ...],
              "target_seconds": float, "repeats": int, "warmup_seconds": float}
A shape with trans_a multiplies A.T where A is stored k x m (a view, no copy: numpy hands BLAS the transposed flag);
trans_b likewise with B stored n x k. Prints one JSON line: versions, the BLAS core, and GFLOPS per shape (median of
`repeats` repeats, each of as many calls as fill ~target_seconds, after a warm-up). The thread count comes from the
environment (OPENBLAS_NUM_THREADS), which must be set before numpy is imported.
"""
import ctypes
import glob
import json
import os
import platform
import sys
import time


def blas_info(np):
    info = {}
    try:
        deps = np.show_config(mode="dicts").get("Build Dependencies", {})
        blas = deps.get("blas", {})
        info["name"] = blas.get("name")
        info["version"] = blas.get("version")
    except Exception:  # older numpy: no dict mode
        pass
    # The core OpenBLAS chose at run time (DYNAMIC_ARCH builds pick one per CPU) and its thread count.
    libdirs = [os.path.join(os.path.dirname(np.__file__), "..", "numpy.libs"),
               os.path.join(os.path.dirname(np.__file__), ".libs")]
    for d in libdirs:
        for path in sorted(glob.glob(os.path.join(d, "*openblas*.so*"))):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", ""):
                    try:
                        f = getattr(lib, prefix + "_get_corename" + suffix)
                        f.restype = ctypes.c_char_p
                        info["core"] = f().decode()
                        g = getattr(lib, prefix + "_get_num_threads" + suffix)
                        g.restype = ctypes.c_int
                        info["threads"] = g()
                        return info
                    except (AttributeError, OSError):
                        pass
    return info


def main():
    cfg = json.loads(sys.argv[1])
    try:
        import numpy as np
    except Exception as e:  # ImportError, or a broken install
        print(json.dumps({"error": "numpy not found in %s (%s: %s)" % (sys.executable, type(e).__name__, e)}))
        return 3
    rng = np.random.default_rng(1)
    target = float(cfg.get("target_seconds", 0.3))
    repeats = int(cfg.get("repeats", 5))
    warmup = float(cfg.get("warmup_seconds", 0.2))
    results = []
    for s in cfg["shapes"]:
        m, n, k = int(s["m"]), int(s["n"]), int(s["k"])
        ta, tb = bool(s.get("trans_a")), bool(s.get("trans_b"))
        a = (rng.random((k, m) if ta else (m, k), dtype=np.float32) * 2 - 1)
        b = (rng.random((n, k) if tb else (k, n), dtype=np.float32) * 2 - 1)
        c = np.empty((m, n), dtype=np.float32)
        A = a.T if ta else a
        B = b.T if tb else b
        calls, t0 = 0, time.perf_counter()
        while True:
            np.matmul(A, B, out=c)
            calls += 1
            elapsed = time.perf_counter() - t0
            if calls >= 3 and elapsed >= warmup:
                break
        iters = max(1, int(round(target / (elapsed / calls))))
        rates = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            for _ in range(iters):
                np.matmul(A, B, out=c)
            t = time.perf_counter() - t0
            rates.append(2.0 * m * n * k * iters / t / 1e9)
        rates.sort()
        results.append({"name": s.get("name"), "gflops": rates[len(rates) // 2], "iterations": iters,
                        "all_gflops": rates})
    print(json.dumps({"numpy": np.__version__, "python": platform.python_version(), "executable": sys.executable,
                      "blas": blas_info(np), "openblas_num_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
                      "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
