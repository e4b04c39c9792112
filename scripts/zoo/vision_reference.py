#!/usr/bin/env python3
"""Reference data for the vision zoo (DeepSeek.Models.Vision): ResNet-18/50, VGG-16, MobileNetV3-Small.

For each model it writes, under $OUT/<name>/ (or argv[1]/<name>/):
  config.json          our minimal schema (see src/DeepSeek.Models/Vision/VisionConfig.cs)
  model.safetensors    the state dict of a TINY configuration built from torchvision's own classes, seeded
  io.safetensors       input, eval-mode output, train-mode output and a few running statistics after that step
  torchvision_keys.json  state-dict names, shapes and parameter count of the FULL-size torchvision model

Usage: PYTHONUNBUFFERED=1 python3 scripts/zoo/vision_reference.py [out_dir]
(the device run packs the result: ... "$OUT/ref" && tar -C "$OUT/ref" -czf "$OUT/vision_ref.tgz" .)
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision
from safetensors.torch import save_file
from torchvision.models import resnet as tv_resnet
from torchvision.models import vgg as tv_vgg
from torchvision.models import mobilenetv3 as tv_mb

OUT = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OUT", "out")


def torchvision_init(model, linear_std=None):
    """torchvision's init loops (ResNet leaves Linear at torch's default; VGG/MobileNetV3 use normal(0, 0.01))."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear) and linear_std is not None:
            nn.init.normal_(m.weight, 0, linear_std)
            nn.init.zeros_(m.bias)


def randomize_bn(model, gen):
    """Non-trivial BN statistics and affine parameters so eval-mode BN is really exercised."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                c = m.num_features
                m.running_mean.copy_(torch.randn(c, generator=gen) * 0.1)
                m.running_var.copy_(torch.rand(c, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(c, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)


def full_keys(model):
    sd = model.state_dict()
    return {
        "keys": [[k, list(v.shape)] for k, v in sd.items()],
        "parameter_count": sum(p.numel() for p in model.parameters()),
    }


def tiny_resnet(block, layers, base, num_classes):
    """torchvision's ResNet with every stage width divided (64 → base); uses torchvision's blocks and _make_layer."""
    m = tv_resnet.ResNet(block, layers, num_classes=num_classes)
    m.inplanes = base
    m.conv1 = nn.Conv2d(3, base, kernel_size=7, stride=2, padding=3, bias=False)
    m.bn1 = nn.BatchNorm2d(base)
    m.layer1 = m._make_layer(block, base, layers[0])
    m.layer2 = m._make_layer(block, base * 2, layers[1], stride=2)
    m.layer3 = m._make_layer(block, base * 4, layers[2], stride=2)
    m.layer4 = m._make_layer(block, base * 8, layers[3], stride=2)
    m.fc = nn.Linear(base * 8 * block.expansion, num_classes)
    torchvision_init(m)
    return m


def tiny_vgg(cfg_name, base, hidden, num_classes, batch_norm):
    cfg = [v if v == "M" else v * base // 64 for v in tv_vgg.cfgs[cfg_name]]
    m = tv_vgg.VGG(tv_vgg.make_layers(cfg, batch_norm=batch_norm), num_classes=num_classes, init_weights=False)
    last = cfg[-2]
    m.classifier = nn.Sequential(
        nn.Linear(last * 7 * 7, hidden), nn.ReLU(True), nn.Dropout(0.5),
        nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(0.5),
        nn.Linear(hidden, num_classes))
    torchvision_init(m, linear_std=0.01)
    return m


def tiny_mobilenet(width_mult, reduced_tail, num_classes):
    setting, last_channel = tv_mb._mobilenet_v3_conf("mobilenet_v3_small", width_mult=width_mult, reduced_tail=reduced_tail)
    m = tv_mb.MobileNetV3(setting, last_channel, num_classes=num_classes)
    # MobileNetV3's own init ran in its constructor (kaiming fan_out, BN 1/0, Linear N(0, 0.01) with zero bias)
    return m


def write(name, model, config, full, input_shape, seed, train_buffers):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    gen = torch.Generator().manual_seed(seed + 1)
    randomize_bn(model, gen)
    # Random (non-zero) Linear/conv biases so a bias that is dropped shows up in the outputs.
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, (nn.Linear, nn.Conv2d)) and mod.bias is not None:
                mod.bias.copy_(torch.randn(mod.bias.shape, generator=gen) * 0.05)
    sd = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    save_file(sd, os.path.join(d, "model.safetensors"))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    x = torch.randn(*input_shape, generator=gen)
    model.eval()
    with torch.no_grad():
        y_eval = model(x)
    io = {"input": x, "output_eval": y_eval}
    # Train mode with dropout switched off (BatchNorm uses batch statistics and updates its running ones).
    model.train()
    for mm in model.modules():
        if isinstance(mm, nn.Dropout):
            mm.eval()
    with torch.no_grad():
        y_train = model(x)
    io["output_train"] = y_train
    for b in train_buffers:
        io["after_train." + b] = model.state_dict()[b].detach().clone()
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(d, "io.safetensors"))
    with open(os.path.join(d, "torchvision_keys.json"), "w") as f:
        json.dump(full_keys(full), f)
    print(name, "tiny params", sum(p.numel() for p in model.parameters()), "output", tuple(y_eval.shape),
          "files", {fn: os.path.getsize(os.path.join(d, fn)) for fn in os.listdir(d)})


def main():
    print("torch", torch.__version__, "torchvision", torchvision.__version__)
    torch.manual_seed(0)
    write("resnet18", tiny_resnet(tv_resnet.BasicBlock, [2, 2, 2, 2], 4, 10),
          {"architecture": "resnet18", "num_classes": 10, "base_channels": 4},
          torchvision.models.resnet18(), (2, 3, 48, 40), 18,
          ["bn1.running_mean", "bn1.running_var", "bn1.num_batches_tracked", "layer4.1.bn2.running_var",
           "layer2.0.downsample.1.running_mean"])
    torch.manual_seed(1)
    write("resnet50", tiny_resnet(tv_resnet.Bottleneck, [1, 2, 1, 1], 4, 7),
          {"architecture": "resnet50", "num_classes": 7, "base_channels": 4, "layers": [1, 2, 1, 1]},
          torchvision.models.resnet50(), (2, 3, 40, 40), 50,
          ["bn1.running_var", "layer1.0.bn3.running_mean", "layer3.0.downsample.1.running_var"])
    torch.manual_seed(2)
    write("vgg16", tiny_vgg("D", 2, 16, 10, batch_norm=False),
          {"architecture": "vgg16", "num_classes": 10, "base_channels": 2, "hidden_features": 16},
          torchvision.models.vgg16(), (2, 3, 64, 64), 16, [])
    torch.manual_seed(3)
    write("vgg16_bn", tiny_vgg("D", 2, 16, 5, batch_norm=True),
          {"architecture": "vgg16_bn", "num_classes": 5, "base_channels": 2, "hidden_features": 16},
          torchvision.models.vgg16_bn(), (2, 3, 32, 48), 116, ["features.1.running_var"])
    torch.manual_seed(4)
    write("mobilenet_v3_small", tiny_mobilenet(0.15, True, 10),
          {"architecture": "mobilenet_v3_small", "num_classes": 10, "width_mult": 0.15, "reduced_tail": True},
          torchvision.models.mobilenet_v3_small(), (2, 3, 64, 56), 3,
          ["features.0.1.running_mean", "features.4.block.1.1.running_var", "features.12.1.running_mean"])
    # Key lists of the other full-size family members our builders cover (no numerics; names, shapes, counts).
    extra = {name: full_keys(getattr(torchvision.models, name)()) for name in
             ["mobilenet_v3_large", "resnet34", "resnet101", "vgg11", "vgg19_bn"]}
    with open(os.path.join(OUT, "torchvision_keys_more.json"), "w") as f:
        json.dump(extra, f)
    print("extra", {k: v["parameter_count"] for k, v in extra.items()})


if __name__ == "__main__":
    main()
