#!/usr/bin/env bash
# Build the compiled parts: the BPF object (bpf/) and the Node-API addon (native/). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

make -s -C bpf
# node-gyp must not download Node headers (no internet): they ship in /usr/include/node.
if [ ! -f native/build/Makefile ]; then
  npx node-gyp configure --loglevel=error --nodedir=/usr --directory native >/dev/null
fi
npx node-gyp build --loglevel=error --nodedir=/usr --directory native >/dev/null
