# Reference checkpoints and outputs for the DeepSeek.Models text zoo (BERT, GPT-2), tiny configurations.
# Usage: OUT=<folder> PYTHONUNBUFFERED=1 python3 scripts/zoo/text_reference.py
# Writes <OUT>/bert, <OUT>/bert_cls, <OUT>/gpt2: config.json + model.safetensors (save_pretrained), io.safetensors
# (inputs and reference outputs, float32 computed on CPU in eval mode) and keys.json (state_dict key lists).
import json, os
import torch
from safetensors.torch import save_file
import transformers
from transformers import BertConfig, BertModel, BertForSequenceClassification, GPT2Config, GPT2LMHeadModel

out = os.environ.get("OUT", "out")
torch.manual_seed(1234)
torch.set_grad_enabled(False)
print("torch", torch.__version__, "transformers", transformers.__version__)


def perturb(model, scale):
    # HF init leaves biases 0 and LayerNorm 1/0; add noise so every parameter (and its orientation) matters.
    g = torch.Generator().manual_seed(99)
    for _, p in model.named_parameters():
        p.add_(torch.randn(p.shape, generator=g) * scale)


def dump(model, folder, io):
    os.makedirs(folder, exist_ok=True)
    model.save_pretrained(folder, safe_serialization=True)
    save_file({k: v.contiguous() for k, v in io.items()}, os.path.join(folder, "io.safetensors"))
    keys = {"state_dict": list(model.state_dict().keys()),
            "parameters": [n for n, _ in model.named_parameters()],
            "param_count": sum(p.numel() for p in model.parameters())}
    with open(os.path.join(folder, "keys.json"), "w") as f:
        json.dump(keys, f, indent=1)


# BERT, bare model (keys without prefix), exact GELU
bcfg = BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                  hidden_act="gelu", max_position_embeddings=64, type_vocab_size=2, initializer_range=0.2,
                  layer_norm_eps=1e-12, attn_implementation="eager")
bert = BertModel(bcfg).eval()
perturb(bert, 0.1)
ids = torch.randint(0, 99, (2, 7), dtype=torch.int64)
mask = torch.tensor([[1] * 7, [1] * 4 + [0] * 3], dtype=torch.int64)
tt = torch.tensor([[0, 0, 0, 1, 1, 1, 1], [0, 0, 1, 1, 0, 0, 0]], dtype=torch.int64)
o = bert(input_ids=ids, attention_mask=mask, token_type_ids=tt)
o_nomask = bert(input_ids=ids)
dump(bert, os.path.join(out, "bert"), {"input_ids": ids, "attention_mask": mask, "token_type_ids": tt,
                                       "last_hidden_state": o.last_hidden_state, "pooler_output": o.pooler_output,
                                       "last_hidden_state_nomask": o_nomask.last_hidden_state})

# BERT inside a task model (keys prefixed "bert.", plus a classifier head), tanh GELU
ccfg = BertConfig(vocab_size=99, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=37,
                  hidden_act="gelu_new", max_position_embeddings=64, type_vocab_size=2, initializer_range=0.2,
                  layer_norm_eps=1e-5, num_labels=3, attn_implementation="eager")
cls = BertForSequenceClassification(ccfg).eval()
perturb(cls, 0.1)
o = cls.bert(input_ids=ids, attention_mask=mask, token_type_ids=tt)
dump(cls, os.path.join(out, "bert_cls"), {"input_ids": ids, "attention_mask": mask, "token_type_ids": tt,
                                          "last_hidden_state": o.last_hidden_state, "pooler_output": o.pooler_output})

# GPT-2 LM head model (lm_head tied to wte)
gcfg = GPT2Config(vocab_size=99, n_positions=32, n_embd=32, n_layer=2, n_head=4, n_inner=None,
                  activation_function="gelu_new", layer_norm_epsilon=1e-5, initializer_range=0.2,
                  attn_implementation="eager")
gpt = GPT2LMHeadModel(gcfg).eval()
perturb(gpt, 0.1)
gids = torch.randint(0, 99, (2, 6), dtype=torch.int64)
logits = gpt(input_ids=gids).logits
gen = gpt.generate(gids[:1], max_new_tokens=8, do_sample=False, pad_token_id=0, eos_token_id=None,
                   attention_mask=torch.ones_like(gids[:1]))
dump(gpt, os.path.join(out, "gpt2"), {"input_ids": gids, "logits": logits, "generated": gen})

for d in ("bert", "bert_cls", "gpt2"):
    for f in sorted(os.listdir(os.path.join(out, d))):
        print(d, f, os.path.getsize(os.path.join(out, d, f)))
