"""Runs one peer benchmark script (bench_*.py in the peers folder) with Fashion-MNIST standardized as NeuralKit's
image presets standardize it: (pixels/255 - mean) / std, with the training images' mean and standard deviation,
instead of pixels/255. The peers' own code is unchanged; only the loader they share is wrapped.

    cd .build/peers && .venv/bin/python ../../tools/peer-standardized.py bench_tf.py --task cnn --seed 1 --out r.json
"""
import os
import runpy
import sys

import numpy as np

sys.path.insert(0, os.getcwd())
import common  # noqa: E402  (the peers' shared module; bench_*.py import it by this name)

pixels = common.load_fmnist


def standardized():
    xtr, ytr, xte, yte = pixels()
    mean, std = xtr.mean(dtype=np.float64), xtr.std(dtype=np.float64)
    scale = lambda x: ((x - mean) / std).astype(np.float32)
    return scale(xtr), ytr, scale(xte), yte


common.load_fmnist = standardized
script = sys.argv[1]
sys.argv = sys.argv[1:]
runpy.run_path(script, run_name="__main__")
