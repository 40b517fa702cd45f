#!/usr/bin/env bash
# BatchNorm2d and MaxPool2d(2) on the cnn-bn shapes, backprop and PyTorch (2 threads) in one run.
# Needs backprop-core compiled (mvn -pl backprop-core compile) and a Python with torch (PYTHON, default python3).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/jdk.sh
reps=${1:-20}
java --add-modules jdk.incubator.vector -cp backprop-core/target/classes tools/bench/PoolBnBench.java "$reps" 2>&1 | grep -v WARNING
"${PYTHON:-python3}" tools/bench/poolbn_torch.py "$reps"
