"""Writes the random draws that the peers' TensorFlow script (bench_tf.py --task cnn --seed S) makes, so that
NeuralKit can train from the same ones: the four Glorot-uniform weight tensors and both epochs' batch orders, drawn
from numpy's default_rng(S) in the script's order. Biases start at zero on both sides.

    .build/peers/.venv/bin/python tools/peer-draws.py --seed 1 --out .build/cnn-draws/1
    NEURALKIT_DRAWS=.build/cnn-draws/1 .build/release/Benchmarks cnn-paired

Writes K1.npy (3,3,1,32), K2.npy (3,3,32,64), W3.npy (1600,128), W4.npy (128,10) as float32 and order.npy (2, 60000)
as int32.
"""
import argparse
import os

import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--seed", type=int, required=True)
p.add_argument("--out", required=True)
p.add_argument("--examples", type=int, default=60000)
p.add_argument("--epochs", type=int, default=2)
args = p.parse_args()

rng = np.random.default_rng(args.seed)
os.makedirs(args.out, exist_ok=True)
for name, shape, fan_in, fan_out in [("K1", (3, 3, 1, 32), 9, 9 * 32), ("K2", (3, 3, 32, 64), 288, 9 * 64),
                                     ("W3", (1600, 128), 1600, 128), ("W4", (128, 10), 128, 10)]:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    np.save(os.path.join(args.out, name + ".npy"), rng.uniform(-limit, limit, shape).astype(np.float32))
orders = np.stack([rng.permutation(args.examples) for _ in range(args.epochs)]).astype(np.int32)
np.save(os.path.join(args.out, "order.npy"), orders)
