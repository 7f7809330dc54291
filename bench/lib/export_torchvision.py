"""Exports a torchvision classifier (random weights) to ONNX with a symbolic batch axis.

Shared by bench/predict-overhead/export-mobilenet.py and bench/gpu-check/export-resnet50.py.
Input "input" float32 [batch, 3, H, W] -> output "logits" float32 [batch, 1000], opset 13.
"""
import inspect
import os
import sys


def export(model_name, out_path, resolution=224, opset=13):
    try:
        import torch
        import torchvision
    except ImportError as e:
        print(f"skip: PyTorch/torchvision are not installed for {sys.executable} ({e}); "
              f"run with /usr/bin/python3 or a Python that has torch", file=sys.stderr)
        return False
    torch.manual_seed(0)
    model = getattr(torchvision.models, model_name)(weights=None).eval()
    example = torch.rand(1, 3, resolution, resolution)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    kwargs = dict(
        input_names=["input"],
        output_names=["logits"],
        dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=opset,
        do_constant_folding=True,
    )
    # PyTorch >= 2.5 defaults to the dynamo exporter; the TorchScript one gives plain opset-13 graphs.
    if "dynamo" in inspect.signature(torch.onnx.export).parameters:
        kwargs["dynamo"] = False
    with torch.no_grad():
        torch.onnx.export(model, example, out_path, **kwargs)
    print(f"wrote {out_path} ({os.path.getsize(out_path) / 1e6:.1f} MB, torch {torch.__version__}, "
          f"{model_name}, {resolution}x{resolution}, opset {opset})")
    return True


def main(model_name, default_file):
    import argparse
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=f"Export torchvision {model_name}(weights=None) to ONNX")
    parser.add_argument("--out", default=os.path.join(here, "..", "models", default_file))
    parser.add_argument("--resolution", type=int, default=224, help="input height and width")
    args = parser.parse_args()
    export(model_name, os.path.normpath(args.out), args.resolution)
