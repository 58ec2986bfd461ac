#!/usr/bin/env bash
# Install rand-guard from an unpacked release tarball (or a built checkout) as a systemd service.
#
#   /usr/local/lib/rand-guard/            the agent: compiled JS, production node_modules, addon, BPF object
#   /usr/local/bin/rand-guard             symlink to ../lib/rand-guard/bin/rand-guard
#   /etc/rand-guard/config.toml           the config (kept when present; --force replaces it after a backup)
#   /etc/rand-guard/rules.d/              the bundled rules files (same-named files overwritten)
#   /etc/systemd/system/rand-guard.service
#
# Never runs systemctl: it prints the next steps. The target needs Node 20 (`node` in PATH) and the
# runtime libraries libbpf1, libelf1 and zlib1g; no compiler.
#
# Exit codes: 0 done, 1 missing source files, 2 bad usage.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: install.sh [--root DIR] [--source-dir DIR] [--force] [--dry-run] [--uninstall [--purge]]

  --root DIR        install under DIR instead of / (staging, images, tests)
  --source-dir DIR  unpacked package or built checkout to install from (default: this script's parent dir)
  --force           replace an existing config.toml, after copying it to config.toml.<UTC timestamp>.bak
  --dry-run         print each command as `DRY-RUN: <command>` instead of running it
  --uninstall       remove the program, the symlink and the unit; keep /etc/rand-guard
  --purge           with --uninstall: also remove /etc/rand-guard (config and rules)
  -h, --help        this text
USAGE
}

root=/
source_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
force=0
dry_run=0
uninstall=0
purge=0

while (($#)); do
  case "$1" in
    --root | --source-dir)
      if (($# < 2)); then
        echo "option $1 needs a value" >&2
        usage >&2
        exit 2
      fi
      if [ "$1" = --root ]; then root="$2"; else source_dir="$2"; fi
      shift 2
      ;;
    --force) force=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    --uninstall) uninstall=1; shift ;;
    --purge) purge=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *)
      echo "unknown option: $1" >&2
      usage >&2
      exit 2
      ;;
  esac
done
if ((purge && !uninstall)); then
  echo "--purge only goes with --uninstall" >&2
  usage >&2
  exit 2
fi

# Paths on the target, then prefixed with --root.
root="${root%/}"
lib_dir="$root/usr/local/lib/rand-guard"
bin_link="$root/usr/local/bin/rand-guard"
etc_dir="$root/etc/rand-guard"
config="$etc_dir/config.toml"
rules_dir="$etc_dir/rules.d"
unit="$root/etc/systemd/system/rand-guard.service"

# Runs a command, or prints it shell-quoted under --dry-run.
run() {
  if ((dry_run)); then
    printf 'DRY-RUN:'
    printf ' %q' "$@"
    printf '\n'
  else
    "$@"
  fi
}

if ((uninstall)); then
  run rm -f "$unit" "$bin_link"
  run rm -rf "$lib_dir"
  if ((purge)); then
    run rm -rf "$etc_dir"
  else
    echo "kept config and rules: $etc_dir (remove with --uninstall --purge)"
  fi
  echo "rand-guard uninstalled. Stop it first if it runs (systemctl disable --now rand-guard), then: systemctl daemon-reload"
  exit 0
fi

# Files the installed agent needs, relative to the source dir (checked even under --dry-run).
required=(
  package.json
  bin/rand-guard
  dist/src/cli/main.js
  node_modules/commander/package.json
  native/build/Release/rand_guard_native.node
  build/bpf/rand-guard.bpf.o
  config/rand-guard.toml
  packaging/systemd/rand-guard.service
)
missing=0
for file in "${required[@]}"; do
  if [ ! -e "$source_dir/$file" ]; then
    echo "missing required source file: $source_dir/$file" >&2
    missing=1
  fi
done
if ((missing)); then
  echo "build or package rand-guard before running the installer" >&2
  exit 1
fi

if ! command -v node >/dev/null || ! node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
  echo "warning: Node.js 20 or later is not in PATH; rand-guard needs it (and libbpf1, libelf1, zlib1g) to run" >&2
fi

run install -d -m 0755 "$root/usr/local/bin" "$root/usr/local/lib" "$etc_dir" "$rules_dir" "$root/etc/systemd/system"

# The program tree: replaced as a whole, so no file of an older version lingers.
run rm -rf "$lib_dir"
run install -d -m 0755 "$lib_dir" "$lib_dir/native/build/Release" "$lib_dir/build/bpf"
run cp -R "$source_dir/package.json" "$source_dir/bin" "$source_dir/dist" "$source_dir/node_modules" "$source_dir/config" "$lib_dir/"
for optional in package-lock.json README.md; do
  if [ -e "$source_dir/$optional" ]; then run install -m 0644 "$source_dir/$optional" "$lib_dir/$optional"; fi
done
run install -m 0755 "$source_dir/native/build/Release/rand_guard_native.node" "$lib_dir/native/build/Release/"
run install -m 0644 "$source_dir/build/bpf/rand-guard.bpf.o" "$lib_dir/build/bpf/"
run chmod 0755 "$lib_dir/bin/rand-guard"
run ln -sfn ../lib/rand-guard/bin/rand-guard "$bin_link"

if [ -e "$config" ] && ((!force)); then
  echo "keeping existing config: $config"
  echo "use --force to replace it after creating a timestamp backup"
else
  if [ -e "$config" ]; then
    run cp -p "$config" "$config.$(date -u +%Y%m%d%H%M%S).bak"
  fi
  run install -m 0644 "$source_dir/config/rand-guard.toml" "$config"
fi

if [ -d "$source_dir/config/rules.d" ]; then
  for rules in "$source_dir"/config/rules.d/*.toml; do
    [ -e "$rules" ] || continue
    run install -m 0644 "$rules" "$rules_dir/"
  done
fi

run install -m 0644 "$source_dir/packaging/systemd/rand-guard.service" "$unit"

cat <<DONE
rand-guard install complete.
  program: $lib_dir (command: $bin_link)
  config:  $config
  rules:   $rules_dir
  unit:    $unit
next steps (as root):
  systemctl daemon-reload
  systemctl enable --now rand-guard
  journalctl -u rand-guard -f
DONE
