#!/usr/bin/env bash
# Install what rand-guard needs on Debian 12 (as root) and build it.
# Idempotent: installs only missing packages, runs `npm ci` only when
# node_modules is missing or stale, and the build steps skip what is current.
set -euo pipefail
cd "$(dirname "$0")/.."

# Build: clang/llvm (BPF), libbpf-dev + libelf/zlib (addon), bpftool (vmlinux.h, BTF checks),
# make/g++/python3 (node-gyp). Tests: netcat-openbsd (nc), iproute2 (ip netns), systemd (systemd-analyze
# verify of the unit), util-linux (setpriv: non-root and bounded-capability runs), bsdutils (script: a pty; essential),
# logrotate (rotation + postrotate SIGHUP test).
packages=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make g++ python3 netcat-openbsd iproute2 systemd util-linux logrotate libcap2-bin)
missing=()
for pkg in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=warn >&2
fi

bash scripts/build.sh
