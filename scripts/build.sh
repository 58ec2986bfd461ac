#!/usr/bin/env bash
# Build everything: the BPF object, the native addon, the TypeScript. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build-native.sh
npx tsc -p tsconfig.json
