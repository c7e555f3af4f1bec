"""Fixtures for the recurrent layers' equivalence tests (Tests/PersistenceTests/RecurrentInteropTests.swift):
PyTorch nn.RNN / nn.LSTM / nn.GRU and Keras SimpleRNN / LSTM / GRU in float64, each with its weights, inputs,
outputs, final states and the gradients of one scalar loss with respect to the inputs, the initial states and every
weight. One safetensors file per case in Tests/PersistenceTests/Fixtures/recurrent/.

Run with the peer benchmarks' Python (torch 2.13, keras 3.15 on TensorFlow 2.21), e.g.:
    .build/peers/.venv/bin/python tools/make-recurrent-fixtures.py
Keras runs on its TensorFlow backend, gradients by tf.GradientTape: on the torch backend its SimpleRNN and its GRU
with reset_after=False lose Float64 precision (5e-8 from the equations computed in numpy).

The loss is sum(outputs * A) + sum(h_n * B) (+ sum(c_n * C) for an LSTM) with fixed random A, B, C, so every output
and state takes part with its own weight."""
import json
import os
import struct
import sys

os.environ["KERAS_BACKEND"] = "tensorflow"
import numpy as np
import tensorflow as tf
import torch
import keras

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "PersistenceTests", "Fixtures", "recurrent")
torch.set_default_dtype(torch.float64)
keras.config.set_floatx("float64")


def save(name, tensors):
    """A safetensors file by hand (the peers' venv has no safetensors package): header length, JSON header, data."""
    header, blobs, offset = {}, [], 0
    for key in sorted(tensors):
        a = np.ascontiguousarray(np.asarray(tensors[key], dtype=np.float64))
        blob = a.tobytes()
        header[key] = {"dtype": "F64", "shape": list(a.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def t(a):
    return a.detach().numpy()


def pytorch_case(name, module_type, batch=2, steps=5, features=3, units=4, bidirectional=False, lengths=None, initial=True):
    torch.manual_seed(len(name))
    m = module_type(features, units, batch_first=True, bidirectional=bidirectional)
    with torch.no_grad():   # biases large enough to matter
        for p in m.parameters():
            p.uniform_(-0.6, 0.6)
    dirs = 2 if bidirectional else 1
    x = torch.randn(batch, steps, features, requires_grad=True)
    lstm = module_type is torch.nn.LSTM
    h0 = (torch.randn(dirs, batch, units) * 0.5).requires_grad_() if initial else None
    c0 = (torch.randn(dirs, batch, units) * 0.5).requires_grad_() if initial and lstm else None
    state = ((h0, c0) if lstm else h0) if initial else None
    if lengths is not None:
        packed = torch.nn.utils.rnn.pack_padded_sequence(x, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
        out, final = m(packed, state)
        out, _ = torch.nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=steps)
    else:
        out, final = m(x, state)
    hn, cn = final if lstm else (final, None)
    a, b = torch.randn(out.shape), torch.randn(hn.shape)
    loss = (out * a).sum() + (hn * b).sum()
    record = {"x": t(x), "outputs": t(out), "h_n": t(hn), "A": t(a), "B": t(b)}
    if cn is not None:
        c = torch.randn(cn.shape)
        loss = loss + (cn * c).sum()
        record.update({"c_n": t(cn), "C": t(c)})
    if lengths is not None:
        record["lengths"] = np.array(lengths, dtype=np.float64)
    loss.backward()
    record["grad.x"] = t(x.grad)
    if h0 is not None:
        record.update({"h0": t(h0), "grad.h0": t(h0.grad)})
    if c0 is not None:
        record.update({"c0": t(c0), "grad.c0": t(c0.grad)})
    for key, p in m.state_dict(keep_vars=True).items():
        record["torch." + key] = t(p)
        record["grad.torch." + key] = t(p.grad)
    save(name, record)


def keras_case(name, make, batch=2, steps=5, features=3, units=4, lstm=False):
    keras.utils.set_random_seed(len(name))
    rng = np.random.default_rng(len(name))
    layer = make(units)
    x = tf.Variable(rng.standard_normal((batch, steps, features)))
    h0 = tf.Variable(rng.standard_normal((batch, units)) * 0.5)
    c0 = tf.Variable(rng.standard_normal((batch, units)) * 0.5) if lstm else None
    layer.build((batch, steps, features))
    for w in layer.weights:   # biases large enough to matter
        w.assign(rng.uniform(-0.6, 0.6, w.shape))
    starts = [h0, c0] if lstm else [h0]
    weights = list(layer.trainable_weights)
    with tf.GradientTape() as tape:
        result = layer(x, initial_state=starts)
        out, states = result[0], result[1:]
        a = rng.standard_normal(out.shape)
        loss = tf.reduce_sum(out * a)
        extra = [rng.standard_normal(s.shape) for s in states]
        for s, b in zip(states, extra):
            loss = loss + tf.reduce_sum(s * b)
    grads = tape.gradient(loss, [x] + starts + [w.value for w in weights])
    record = {"x": x.numpy(), "h0": h0.numpy(), "outputs": out.numpy(), "A": a, "grad.x": grads[0].numpy(),
              "grad.h0": grads[1].numpy()}
    for k, (s, b) in enumerate(zip(states, extra)):
        record.update({["h_n", "c_n"][k]: s.numpy(), ["B", "C"][k]: b})
    if lstm:
        record.update({"c0": c0.numpy(), "grad.c0": grads[2].numpy()})
    for w, g in zip(weights, grads[len(starts) + 1:]):
        short = w.path.split("/")[-1]
        record["keras." + short] = w.numpy()
        record["grad.keras." + short] = g.numpy()
    save(name, record)


if __name__ == "__main__":
    pytorch_case("torch-rnn", torch.nn.RNN)
    pytorch_case("torch-lstm", torch.nn.LSTM)
    pytorch_case("torch-gru", torch.nn.GRU)
    pytorch_case("torch-lstm-bidirectional", torch.nn.LSTM, bidirectional=True, initial=False)
    pytorch_case("torch-lstm-packed", torch.nn.LSTM, batch=3, lengths=[5, 3, 1], initial=False)
    pytorch_case("torch-gru-packed", torch.nn.GRU, batch=3, lengths=[2, 5, 4], initial=False)
    kw = dict(return_sequences=True, return_state=True)
    keras_case("keras-simple-rnn", lambda u: keras.layers.SimpleRNN(u, **kw))
    keras_case("keras-lstm", lambda u: keras.layers.LSTM(u, **kw), lstm=True)
    keras_case("keras-gru", lambda u: keras.layers.GRU(u, **kw))
    keras_case("keras-gru-reset-before", lambda u: keras.layers.GRU(u, reset_after=False, **kw))
    print("fixtures in", os.path.normpath(OUT), file=sys.stderr)
