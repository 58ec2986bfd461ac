#!/usr/bin/env bash
# Build the release tarball: dist/rand-guard-<version>-<arch>.tar.gz and its .sha256
# (check with `cd dist && sha256sum -c rand-guard-<version>-<arch>.tar.gz.sha256`).
#
# The top folder rand-guard-<version>-<arch>/ keeps the repository layout the agent resolves its
# files by: package.json, bin/rand-guard, dist/src (compiled JavaScript, no tests), production
# node_modules, native/build/Release/rand_guard_native.node, build/bpf/rand-guard.bpf.o,
# config/rand-guard.toml, config/rand-guard.example.toml (every key annotated), config/rules.d/ (empty when the repository has none),
# packaging/systemd/rand-guard.service and scripts/install.sh. The target needs Node 20 and the
# runtime libraries libbpf1, libelf1 and zlib1g (the addon links libbpf.so.1, libelf.so.1, libz.so.1);
# no compiler. Build output goes to stderr; stdout gets the `package:` and `checksum:` lines.
set -euo pipefail
cd "$(dirname "$0")/.."

version="$(node -p 'require("./package.json").version')"
arch="$(uname -m)"
name="rand-guard-${version}-${arch}"
stage_root=build/package
stage="$stage_root/$name"

bash scripts/build-native.sh >&2
rm -rf "$stage"
mkdir -p "$stage"/{bin,native/build/Release,build/bpf,config,packaging/systemd,scripts}
npx tsc -p tsconfig.build.json --outDir "$stage/dist" >&2

cp package.json package-lock.json README.md "$stage/"
# Production dependencies only, from the lockfile; none of them runs install scripts.
(cd "$stage" && npm ci --omit=dev --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error >&2)
install -m 0755 bin/rand-guard "$stage/bin/"
install -m 0755 native/build/Release/rand_guard_native.node "$stage/native/build/Release/"
install -m 0644 build/bpf/rand-guard.bpf.o "$stage/build/bpf/"
install -m 0644 config/rand-guard.toml config/rand-guard.example.toml "$stage/config/"
if [ -d config/rules.d ]; then cp -R config/rules.d "$stage/config/"; else mkdir "$stage/config/rules.d"; fi
install -m 0644 packaging/systemd/rand-guard.service "$stage/packaging/systemd/"
install -m 0755 scripts/install.sh "$stage/scripts/"

mkdir -p dist
tar --owner=0 --group=0 -czf "dist/$name.tar.gz" -C "$stage_root" "$name"
(cd dist && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "package: dist/$name.tar.gz"
echo "checksum: dist/$name.tar.gz.sha256"
