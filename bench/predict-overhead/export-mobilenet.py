"""Exports torchvision mobilenet_v2(weights=None) to bench/models/mobilenet_v2.onnx (opset 13).

    /usr/bin/python3 bench/predict-overhead/export-mobilenet.py

Exits 0 with a "skip:" message when PyTorch is absent, so bench setup never fails on it.
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from export_torchvision import main  # noqa: E402

if __name__ == "__main__":
    main("mobilenet_v2", "mobilenet_v2.onnx")
