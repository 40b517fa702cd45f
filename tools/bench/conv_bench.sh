#!/usr/bin/env bash
# backprop's and PyTorch's convolutions on cnn-bn's shapes, side by side in one run (ms, median).
# Needs a built backprop-core (./run-tests -pl backprop-core -Dtest=ConvKernelsTest compiles the test classes) and
# a Python with torch (PYTHON, default /tmp/ref/bin/python).
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/jdk.sh
CP=backprop-core/target/classes:backprop-core/target/test-classes
for round in $(seq "${ROUNDS:-2}"); do
  java --add-modules jdk.incubator.vector -cp "$CP" dev.backprop.kernels.ConvBench 2>&1 | grep -v "^WARNING"
  "${PYTHON:-/tmp/ref/bin/python}" tools/bench/conv_bench.py 2
done
