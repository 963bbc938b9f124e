#!/usr/bin/env python3
"""Convert a sentence-transformers BERT encoder (safetensors + tokenizer.json) into a GGUF file that
llama.cpp (and so node-llama-cpp) loads as an embedding model.

Used by scripts/fetch-models only; tenet itself never runs Python. Needs gguf, safetensors and numpy
(scripts/fetch-models installs pinned versions into a private virtual environment).

  bert-to-gguf.py MODEL_DIR OUT.gguf

The tensors keep their float32 values; tensor names come from gguf's own BERT name map; the vocabulary is
written in llama.cpp's WordPiece spelling (a continuation piece loses its "##", every other normal piece gains
a leading U+2581, control tokens stay as they are); pooling comes from the model's 1_Pooling/config.json.
"""
import json
import sys
from pathlib import Path

import gguf
import numpy as np
from safetensors.numpy import load_file


def main(model_dir: Path, out: Path) -> None:
    config = json.loads((model_dir / "config.json").read_text())
    if config.get("model_type") != "bert":
        raise SystemExit(f"{model_dir}: model_type {config.get('model_type')!r}, expected 'bert'")
    n_layers = int(config["num_hidden_layers"])

    writer = gguf.GGUFWriter(str(out), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT])
    writer.add_name(model_dir.name)
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_block_count(n_layers)
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_pooling_type(pooling_of(model_dir))

    tokenizer = json.loads((model_dir / "tokenizer.json").read_text())
    if tokenizer["model"]["type"] != "WordPiece":
        raise SystemExit(f"{model_dir}/tokenizer.json: {tokenizer['model']['type']} tokenizer, expected WordPiece")
    vocab: dict[str, int] = tokenizer["model"]["vocab"]
    special = {t["content"] for t in tokenizer.get("added_tokens", []) if t.get("special")}
    tokens = [""] * len(vocab)
    for token, index in vocab.items():
        tokens[index] = token
    types = [gguf.TokenType.CONTROL if t in special else gguf.TokenType.NORMAL for t in tokens]
    spelled = [t if t in special else (t[2:] if t.startswith("##") else "\u2581" + t) for t in tokens]
    writer.add_token_type_count(int(config.get("type_vocab_size", 1)))
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(spelled)
    writer.add_token_types(types)
    gguf.SpecialVocab(model_dir, n_vocab=len(tokens)).add_to_gguf(writer)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, n_layers)
    for name, data in sorted(load_file(str(model_dir / "model.safetensors")).items()):
        name = name.removeprefix("bert.")
        if name == "embeddings.position_ids" or name.startswith("pooler."):
            continue  # the encoder's own pooler is unused for sentence embeddings
        target = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if target is None:
            raise SystemExit(f"no GGUF name for tensor {name}")
        writer.add_tensor(target, np.ascontiguousarray(data, dtype=np.float32))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def pooling_of(model_dir: Path) -> gguf.PoolingType:
    config_path = model_dir / "1_Pooling" / "config.json"
    if not config_path.exists():
        return gguf.PoolingType.MEAN
    pooling = json.loads(config_path.read_text())
    if pooling.get("pooling_mode_mean_tokens"):
        return gguf.PoolingType.MEAN
    if pooling.get("pooling_mode_cls_token"):
        return gguf.PoolingType.CLS
    raise SystemExit(f"{config_path}: only mean and CLS pooling are supported")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit("usage: bert-to-gguf.py MODEL_DIR OUT.gguf")
    main(Path(sys.argv[1]), Path(sys.argv[2]))
