"""Exports the issue-#7 benchmark models with PyTorch's own ONNX exporter (torchvision, random weights, seed 0).

Run on a machine with torch, torchvision and numpy (the GPU machine; no download: weights=None):
    python3 scripts/onnx/export_bench_models.py OUT_DIR
Writes OUT_DIR/<name>.onnx with a dynamic batch dimension (opset 17, TorchScript exporter, weights inside the file),
OUT_DIR/<name>_input.npy (a seeded [1, 3, 224, 224] input) and OUT_DIR/<name>_output.npy (PyTorch's output for it,
eval mode, CPU, float32). The files are large (ResNet-18 ≈ 47 MB) and are kept outside the repository; compare with
    dotnet run -c Release --project bench/DeepSeek.Bench -- compare OUT_DIR/resnet18.onnx --batch 1,8 --threads 1,2 --json
    dotnet run -c Release --project bench/DeepSeek.Bench -- compare OUT_DIR/resnet18.onnx --input input=OUT_DIR/resnet18_input.npy --json
"""
import os
import sys

import numpy as np
import torch
import torchvision

out = sys.argv[1] if len(sys.argv) > 1 else "pytorch-models"
os.makedirs(out, exist_ok=True)

for name, ctor in [("resnet18", torchvision.models.resnet18), ("mobilenet_v3_small", torchvision.models.mobilenet_v3_small)]:
    torch.manual_seed(0)
    model = ctor(weights=None).eval()
    # random init leaves BatchNorm at identity statistics; give it realistic running stats so folding is exercised
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) * 0.5 + 0.75)
    x = torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        y = model(x)
    path = os.path.join(out, f"{name}.onnx")
    torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    np.save(os.path.join(out, f"{name}_input.npy"), x.numpy())
    np.save(os.path.join(out, f"{name}_output.npy"), y.numpy())
    print(name, os.path.getsize(path), "bytes; output scale", float(y.abs().max()))
