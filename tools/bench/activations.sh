#!/usr/bin/env bash
# relu, exp, sigmoid and tanh on [128, 1024] float32: backprop's vector kernels, its scalar reference kernels and
# PyTorch, in one run. Needs backprop-core compiled (mvn -pl backprop-core compile) and a Python with torch
# (PYTHON, default python3). Threads: backprop uses all cores; PyTorch gets the same number.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/jdk.sh
reps=${1:-50}
java --add-modules jdk.incubator.vector -cp backprop-core/target/classes tools/bench/ActivationBench.java "$reps" 2>&1 | grep -v WARNING
"${PYTHON:-python3}" tools/bench/activation_torch.py "$reps" "$(nproc)"
