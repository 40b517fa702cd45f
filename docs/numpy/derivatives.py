# Checks the derivative formulas against central differences.
import numpy as np
z = np.array([-3.0, -1.0, 0.0, 0.5, 2.0])
e = 1e-6
s = lambda z: 1/(1+np.exp(-z))
num = (s(z+e)-s(z-e))/(2*e)
print("z                 ", z)
print("numerical dσ/dz   ", np.round(num, 6))
print("σ(z)(1-σ(z))      ", np.round(s(z)*(1-s(z)), 6))
print("σ(z)  (wrong)     ", np.round(s(z), 6))
num = (np.tanh(z+e)-np.tanh(z-e))/(2*e)
print("numerical dtanh/dz", np.round(num, 6))
print("1 - tanh²(z)      ", np.round(1-np.tanh(z)**2, 6))
print("1 - tanh(z) (wrong)", np.round(1-np.tanh(z), 6))
