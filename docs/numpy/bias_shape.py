import numpy as np

# The bias update written with the per-point delta, as the article's listing does: delta2 has one row per point.
b2 = np.array([[0.519232]])                                          # one output bias, shape (1, 1)
delta2 = np.array([[0.065752], [-0.058810], [-0.060410], [0.064518]])  # step 1 of explain xor, shape (4, 1)
try:
    b2 -= 1.0 * delta2
except ValueError as e:
    print("ValueError:", e)
b2 = b2 - 1.0 * delta2
print("b2 = b2 - lr * delta2 gives shape", b2.shape, "- one bias per training point")
