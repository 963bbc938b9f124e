#!/usr/bin/env bash
# Builds (once) and starts a real third-party OpenAI-compatible server — llama-cpp-python's, pinned in
# requirements.txt — serving the fetched SmolLM2-135M-Instruct GGUF on 127.0.0.1, for benchmarks/compat/run.ts.
#
#   benchmarks/compat/serve-llama-cpp-python.sh PORT      # prints "ready http://127.0.0.1:PORT/v1" when it serves
#
# The venv lives in $TENET_COMPAT_VENV (default ~/.cache/tenet/compat/venv); building llama-cpp-python from its
# source distribution takes about 6 minutes on 2 cores, once. Python here is a build tool for a test peer only.
set -euo pipefail
PORT="${1:?usage: serve-llama-cpp-python.sh PORT}"
HERE="$(cd "$(dirname "$0")" && pwd)"
VENV="${TENET_COMPAT_VENV:-$HOME/.cache/tenet/compat/venv}"
MODEL="${TENET_MODELS_DIR:-$HOME/.cache/tenet/models}/smollm2-135m-instruct-q4_1.gguf"
[ -f "$MODEL" ] || { echo "compat: $MODEL is missing: run npm run fetch-models first" >&2; exit 1; }
if ! "$VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
  echo "compat: building llama-cpp-python into $VENV (about 6 minutes on 2 cores, once)" >&2
  python3 -m venv "$VENV"
  # A portable AVX2 build: -march=native turns on AMX and AVX-512 where the CPU reports them, and on a virtual
  # machine that reports AMX the native build dies with a general protection fault on its first evaluation.
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF" \
    CMAKE_BUILD_PARALLEL_LEVEL="$(nproc)" "$VENV/bin/pip" install --quiet --no-cache-dir -r "$HERE/requirements.txt" >&2
fi
exec "$VENV/bin/python" -m llama_cpp.server --model "$MODEL" --model_alias smollm2 \
  --host 127.0.0.1 --port "$PORT" --n_ctx 2048 --n_threads 1 --n_threads_batch 1 --verbose false
