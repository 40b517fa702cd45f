import numpy as np

# The data and the learning rate, which the article's listing uses but never defines.
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)   # 4 points, 2 inputs
y = np.array([[0], [1], [1], [0]], dtype=float)               # shape (4, 1)
lr = 1.0

# The starting weights of `backprop explain xor --seed 1`, so the two can be compared number by number.
W1 = np.array([[0.286975, 0.028902], [0.104801, -0.153685]])  # (hidden, inputs)
b1 = np.array([[0.278852, -0.504065]])                        # (1, hidden): one bias per unit, not per point
W2 = np.array([[-0.606634, -0.168031]])                       # (outputs, hidden)
b2 = np.array([[0.519232]])                                   # (1, 1)

def sigmoid(z):
    return 1 / (1 + np.exp(-z))

for step in range(1, 10001):
    # forward
    z1 = X @ W1.T + b1           # (4, 2)
    h = sigmoid(z1)
    z2 = h @ W2.T + b2           # (4, 1)
    y_hat = sigmoid(z2)
    loss = np.mean((y_hat - y) ** 2)

    # backward: the chain rule, one factor at a time
    dL_dyhat = 2 * (y_hat - y) / len(X)          # d mean((ŷ - y)²) / dŷ
    delta2 = dL_dyhat * y_hat * (1 - y_hat)      # σ'(z) = σ(z)(1 - σ(z)), not σ(z)
    dW2 = delta2.T @ h                           # (1, 2)
    db2 = delta2.sum(axis=0, keepdims=True)      # summed over the points: shape (1, 1) like b2
    delta1 = (delta2 @ W2) * h * (1 - h)         # (4, 2)
    dW1 = delta1.T @ X                           # (2, 2)
    db1 = delta1.sum(axis=0, keepdims=True)      # (1, 2) like b1

    if step == 1:
        print("step 1: loss %.6f" % loss)
        print("  dL/dW2 =", np.round(dW2, 6), " dL/db2 =", np.round(db2, 6))
        print("  dL/dW1 =", np.round(dW1, 6).tolist(), " dL/db1 =", np.round(db1, 6))

    W2 -= lr * dW2
    b2 -= lr * db2
    W1 -= lr * dW1
    b1 -= lr * db1

print("after %d steps: loss %.6f, predictions %s" % (step, loss, np.round(y_hat.ravel(), 3)))
