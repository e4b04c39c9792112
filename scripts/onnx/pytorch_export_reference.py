"""Exports small PyTorch models with PyTorch's own ONNX exporter and saves reference inputs/outputs.

Run on a machine with torch, torchvision, transformers, onnx and safetensors:
    python3 scripts/onnx/pytorch_export_reference.py OUT_DIR
Writes OUT_DIR/<name>.onnx and OUT_DIR/<name>_io.safetensors (inputs as in_<i>, PyTorch outputs as out_<i>).
The files are copied into tests/DeepSeek.Onnx.Tests/PyTorchExports/ (a few MB in total).
"""
import os
import sys

import torch
import torchvision
from safetensors.torch import save_file
from transformers import BertConfig, BertModel, GPT2Config, GPT2LMHeadModel

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
torch.manual_seed(0)


def export(name, model, inputs, input_names, output_names, dynamic_axes=None, dynamo=False):
    model.eval()
    with torch.no_grad():
        outs = model(*inputs)
    if isinstance(outs, torch.Tensor):
        outs = (outs,)
    elif hasattr(outs, "to_tuple"):
        outs = outs.to_tuple()
    outs = [o for o in outs if isinstance(o, torch.Tensor)][: len(output_names)]
    path = os.path.join(out, f"{name}.onnx")
    if dynamo:
        # torch.export-based exporter (the TorchScript one cannot export transformers' newer mask code)
        torch.onnx.export(model, tuple(inputs), path, opset_version=18, dynamo=True, external_data=False,
                          input_names=input_names, output_names=output_names)
    else:
        torch.onnx.export(model, tuple(inputs), path, opset_version=17, dynamo=False,
                          input_names=input_names, output_names=output_names, dynamic_axes=dynamic_axes)
    tensors = {f"in_{i}": t.contiguous() for i, t in enumerate(inputs)}
    tensors.update({f"out_{i}": t.contiguous() for i, t in enumerate(outs)})
    save_file(tensors, os.path.join(out, f"{name}_io.safetensors"))
    print(name, os.path.getsize(path), [tuple(o.shape) for o in outs])


# torchvision MobileNetV3-Small (10 classes), random weights; BN statistics randomised so eval BN matters
m = torchvision.models.mobilenet_v3_small(num_classes=10, width_mult=0.5)  # half width keeps the file < 5 MB
for mod in m.modules():
    if isinstance(mod, torch.nn.BatchNorm2d):
        mod.running_mean.uniform_(-0.2, 0.2)
        mod.running_var.uniform_(0.5, 1.5)
export("mobilenet_v3_small", m, [torch.randn(2, 3, 96, 96)], ["input"], ["logits"], {"input": {0: "batch"}})

# Hugging Face BERT and GPT-2, tiny configurations
bcfg = BertConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                  max_position_embeddings=64)
class BertWrap(torch.nn.Module):
    # keyword arguments: transformers' forward signatures are not positional-stable across versions
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        o = self.m(input_ids=input_ids, attention_mask=attention_mask)
        return o.last_hidden_state, o.pooler_output


class GptWrap(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids):
        return self.m(input_ids=input_ids, use_cache=False).logits


bert = BertWrap(BertModel(bcfg))
ids = torch.randint(0, 100, (2, 8))
mask = torch.ones(2, 8, dtype=torch.long)
mask[1, 6:] = 0
export("bert_tiny", bert, [ids, mask], ["input_ids", "attention_mask"], ["last_hidden_state", "pooler_output"])

gcfg = GPT2Config(vocab_size=100, n_positions=32, n_embd=32, n_layer=2, n_head=4)
gpt = GptWrap(GPT2LMHeadModel(gcfg))
gids = torch.randint(0, 100, (1, 8))
export("gpt2_tiny", gpt, [gids], ["input_ids"], ["logits"], dynamo=True)
