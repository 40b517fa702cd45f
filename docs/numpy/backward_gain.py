import numpy as np
# How the backward signal ‖∂L/∂h‖ changes from the output of a 20-layer, 256-wide network back to its input.
# Each layer multiplies it by diag(f'(z))·W: the activation's derivative and the weights.
def backward_gain(act, dact, gain, depth=20, width=256, n=64, seed=0):
    rng = np.random.default_rng(seed)
    Ws = [rng.standard_normal((width, width)) * gain / np.sqrt(width) for _ in range(depth)]
    h = rng.standard_normal((n, width)); zs = []
    for W in Ws:
        z = h @ W.T; zs.append(z); h = act(z)
    g = np.ones_like(h)
    top = np.linalg.norm(g)
    for W, z in zip(reversed(Ws), reversed(zs)):
        g = (g * dact(z)) @ W
    return np.linalg.norm(g) / top
relu, drelu = lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(float)
sig = lambda z: 1 / (1 + np.exp(-z)); dsig = lambda z: sig(z) * (1 - sig(z))
tanh, dtanh = np.tanh, lambda z: 1 - np.tanh(z) ** 2
rows = [("relu", relu, drelu, "He: std √(2/n)", np.sqrt(2)),
        ("relu", relu, drelu, "2 × He", 2 * np.sqrt(2)),
        ("relu", relu, drelu, "0.5 × He", 0.5 * np.sqrt(2)),
        ("tanh", tanh, dtanh, "Xavier: std √(1/n)", 1.0),
        ("tanh", tanh, dtanh, "4 × Xavier", 4.0),
        ("sigmoid", sig, dsig, "Xavier: std √(1/n)", 1.0),
        ("sigmoid", sig, dsig, "16 × Xavier", 16.0)]
print("%-8s %-20s %s" % ("act", "weights", "‖∂L/∂input‖ / ‖∂L/∂output‖ after 20 layers"))
for name, a, d, label, gain in rows:
    print("%-8s %-20s %.3g" % (name, label, backward_gain(a, d, gain)))
