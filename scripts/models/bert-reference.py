#!/usr/bin/env python3
"""Reference sentence embeddings for a sentence-transformers BERT encoder, computed straight from its
safetensors weights and tokenizer.json with numpy (no llama.cpp, no torch): the independent check that the
GGUF conversion (bert-to-gguf.py) and tenet's local encoder reproduce the original model.

  bert-reference.py MODEL_DIR "sentence" ["sentence" ...] > reference.json

Writes {"model", "sentences", "tokens", "embeddings"}: mean pooling over the attention mask, then L2
normalisation, as the model's modules.json prescribes.
"""
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer


def layer_norm(x, weight, bias, eps):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


def gelu(x):  # BERT's exact (erf) GELU
    from math import erf, sqrt
    return 0.5 * x * (1.0 + np.vectorize(erf)(x / sqrt(2.0)))


def encode(w, config, ids):
    eps = config["layer_norm_eps"]
    heads = config["num_attention_heads"]
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)] \
        + w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    for i in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        lin = lambda h, name: h @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        q, k, v = (lin(x, f"attention.self.{n}") for n in ("query", "key", "value"))
        d = q.shape[-1] // heads
        split = lambda t: t.reshape(len(ids), heads, d).transpose(1, 0, 2)
        scores = split(q) @ split(k).transpose(0, 2, 1) / np.sqrt(d)
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        attn = (scores / scores.sum(-1, keepdims=True)) @ split(v)
        attn = attn.transpose(1, 0, 2).reshape(len(ids), -1)
        x = layer_norm(x + lin(attn, "attention.output.dense"), w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"], eps)
        h = lin(gelu(lin(x, "intermediate.dense")), "output.dense")
        x = layer_norm(x + h, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    pooled = x.mean(0)
    return pooled / np.linalg.norm(pooled)


def main(model_dir: Path, sentences: list[str]) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    weights = {k.removeprefix("bert."): v.astype(np.float64) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokens, embeddings = [], []
    for sentence in sentences:
        ids = tokenizer.encode(sentence).ids
        tokens.append(ids)
        embeddings.append([round(float(v), 6) for v in encode(weights, config, np.array(ids))])
    json.dump({"model": model_dir.name, "sentences": sentences, "tokens": tokens, "embeddings": embeddings}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit('usage: bert-reference.py MODEL_DIR "sentence" ...')
    main(Path(sys.argv[1]), sys.argv[2:])
