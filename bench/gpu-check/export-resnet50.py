"""Exports torchvision resnet50(weights=None) to bench/models/resnet50.onnx (opset 13).

    python3 bench/gpu-check/export-resnet50.py                       # 224x224, for the GPU host
    python3 bench/gpu-check/export-resnet50.py --resolution 64 --out bench/models/resnet50-64.onnx   # quick CPU check

Exits 0 with a "skip:" message when PyTorch is absent.
"""
import os
import sys

# In the repository the helper lives in bench/lib; in a GPU bundle it sits beside this file.
here = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [here, os.path.join(here, "..", "lib")]
from export_torchvision import main  # noqa: E402

if __name__ == "__main__":
    main("resnet50", "resnet50.onnx")
