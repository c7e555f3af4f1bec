"""Writes Tests/PersistenceTests/Fixtures/python.safetensors with the Python `safetensors` library.

Run once (pip install safetensors numpy); the file is committed. NeuralKit's tests read it and re-write it
byte for byte.
"""
import numpy as np
from safetensors.numpy import save_file

tensors = {
    "layers.0.weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
    "layers.0.bias": np.array([0.5, -1.5], dtype=np.float32),
    "layers.2.weight": np.array([[1e-8, -3.25], [7.0, 0.1]], dtype=np.float64),
    "step": np.array([3, -4, 5], dtype=np.int64),
    "mask": np.array([1, 0, 255], dtype=np.uint8),
    "scalar": np.array(2.5, dtype=np.float32),
}
save_file(tensors, "Tests/PersistenceTests/Fixtures/python.safetensors",
          metadata={"format": "np", "note": "NeuralKit fixture \"quoted\" \u00e9"})
