"""safetensors interop with Python's own library (make test runs it through tools/requirements-test.txt's venv).

  read FILE EXPECTED.json   load a file NeuralKit wrote with safetensors.numpy and compare every tensor (dtype,
                            shape, values bit for bit) and the metadata with what NeuralKit says it wrote
  write DIR                 write, with the safetensors library, DIR/supported.safetensors (every dtype NeuralKit
                            reads) and one file per dtype it does not read, plus DIR/expected.json describing them

Prints one line and exits 0 when everything matches, 1 (naming the first difference) otherwise.
"""
import json
import sys

import numpy as np
from safetensors import TensorSpec, safe_open, serialize
from safetensors.numpy import load_file, save_file


def read(path, expected_path):
    expected = json.load(open(expected_path))
    loaded = load_file(path)
    if sorted(loaded) != sorted(expected["tensors"]):
        sys.exit(f"names differ: {sorted(loaded)} vs {sorted(expected['tensors'])}")
    for name, want in expected["tensors"].items():
        got = loaded[name]
        if got.dtype.name != want["dtype"] or list(got.shape) != want["shape"]:
            sys.exit(f"{name}: {got.dtype.name} {list(got.shape)} vs {want['dtype']} {want['shape']}")
        values = np.array(want["values"], dtype=np.float64).astype(got.dtype).reshape(got.shape)
        if got.tobytes() != values.tobytes():
            sys.exit(f"{name}: values differ: {got.ravel()[:8]} vs {values.ravel()[:8]}")
    with safe_open(path, framework="numpy") as f:
        if f.metadata() != expected["metadata"]:
            sys.exit(f"metadata differs: {f.metadata()} vs {expected['metadata']}")
    print(f"python read {len(loaded)} tensors: {', '.join(sorted({v.dtype.name for v in loaded.values()}))}")


def raw(path, name, dtype, shape, data):
    buffer = np.frombuffer(data, dtype=np.uint8).copy()
    spec = TensorSpec(dtype=dtype, shape=shape, data_ptr=buffer.ctypes.data, data_len=buffer.nbytes)
    open(path, "wb").write(bytes(serialize({name: spec})))


def write(directory):
    rng = np.random.default_rng(7)
    tensors, expected = {}, {}
    for dtype in ["bool", "uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float16", "float32", "float64"]:
        info = np.iinfo(dtype) if np.dtype(dtype).kind in "iu" else None
        if dtype == "bool":
            a = np.array([True, False, True, True, False, False])
        elif info is not None:
            # the extremes, zero and a few in between; 64-bit ones stay within 2^53, which Float64 holds exactly
            low, high = (max(info.min, -(2 ** 53)), min(info.max, 2 ** 53))
            a = np.array([low, high, 0, 1, low // 3, high // 7], dtype=dtype)
        else:
            a = (rng.standard_normal(6) * 100).astype(dtype)
        a = a.reshape(2, 3)
        tensors[dtype] = a
        expected[dtype] = {"dtype": dtype, "shape": [2, 3], "values": a.astype(np.float64).ravel().tolist()}
    save_file(tensors, f"{directory}/supported.safetensors", metadata={"writer": "python"})
    # bfloat16 has no numpy dtype: its bytes are the top halves of float32 values.
    floats = np.array([1.0, -2.5, 3.140625, 0.0], dtype=np.float32)
    raw(f"{directory}/bfloat16.safetensors", "bfloat16", "bfloat16", [4], (floats.view(np.uint32) >> 16).astype(np.uint16).tobytes())
    expected["bfloat16"] = {"dtype": "bfloat16", "shape": [4], "values": floats.astype(np.float64).tolist(), "file": "bfloat16.safetensors"}
    unsupported = ["complex64", "float8_e4m3fn", "float8_e5m2"]
    save_file({"complex64": np.array([1 + 2j, 3 - 4j], dtype=np.complex64)}, f"{directory}/complex64.safetensors")
    for dtype in ["float8_e4m3fn", "float8_e5m2"]:
        raw(f"{directory}/{dtype}.safetensors", dtype, dtype, [2], bytes([0x38, 0x40]))
    json.dump({"tensors": expected, "unsupported": unsupported}, open(f"{directory}/expected.json", "w"))
    print(f"python wrote {len(expected)} supported dtypes and {len(unsupported)} unsupported ones")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "read":
        read(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        sys.exit(__doc__)
