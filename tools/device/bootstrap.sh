#!/usr/bin/env bash
# Runs on the bare GPU machine (no Node), from the repository root, after `run` carried .device/
# (filled here by `node tools/device/pack.mjs`). Sets up the Vulkan loader and Node, then runs one command:
#   bash tools/device/bootstrap.sh node tools/gpu-info/gpu-info.mjs
# UNIF2ACE_DEVICE_DRY=1 writes nothing outside the repo and $TMPDIR (the debs go to $TMPDIR, not /): to test here.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DEV=$ROOT/.device
say() { echo "bootstrap: $*" >&2; }
die() {
  echo "bootstrap: error: $*" >&2
  exit 1
}

[ $# -gt 0 ] || die 'no command. Usage: bash tools/device/bootstrap.sh <command> [args...]'
for f in node.xz app.tar.xz debs; do
  [ -e "$DEV/$f" ] || die "$DEV/$f is missing: run 'node tools/device/pack.mjs' here, then pass carry: ['.device'] to run"
done
# app.tar.xz holds a flat node_modules; never unpack it over one that pnpm installed.
[ ! -e "$ROOT/node_modules/.modules.yaml" ] ||
  die "$ROOT/node_modules was installed by pnpm: bootstrap is for a bare copy of the repo (the device machine)"

# xz -d, or Python's lzma where xz-utils is absent.
unxz_to_stdout() {
  if command -v xz >/dev/null; then
    xz -dc "$1"
  elif command -v python3 >/dev/null; then
    python3 -c 'import lzma, shutil, sys; shutil.copyfileobj(lzma.open(sys.argv[1]), sys.stdout.buffer)' "$1"
  else
    die "neither xz nor python3 is here to unpack $1"
  fi
}

# 1. Vulkan/GL loaders (the device README's recipe), only where the machine has none, or always with
#    UNIF2ACE_DEVICE_DEBS=always. Dry: into $TMPDIR and LD_LIBRARY_PATH instead of /.
debs=("$DEV"/debs/*.deb)
[ -f "${debs[0]}" ] || die "no .deb files in $DEV/debs: run pack.mjs again"
if [ "${UNIF2ACE_DEVICE_DEBS:-auto}" != always ] && ldconfig -p 2>/dev/null | grep 'libvulkan\.so\.1 ' >/dev/null; then
  say 'libvulkan.so.1 is installed already; the debs are not needed'
elif [ "${UNIF2ACE_DEVICE_DRY:-}" = 1 ]; then
  sysroot=${TMPDIR:-/tmp}/unif2ace-device/root
  say "UNIF2ACE_DEVICE_DRY=1: unpacking ${#debs[@]} debs to $sysroot, not /"
  mkdir -p "$sysroot"
  for f in "${debs[@]}"; do dpkg -x "$f" "$sysroot"; done
  export LD_LIBRARY_PATH=$sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
else
  say "unpacking the loaders to /: ${debs[*]##*/}"
  for f in "${debs[@]}"; do dpkg -x "$f" /; done
  ldconfig
fi

# 2. NVIDIA's Vulkan and EGL drivers live outside the loaders' search path there.
nv=/usr/local/nvidia/share
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f $nv/vulkan/icd.d/nvidia_icd.json ]; then
  export VK_DRIVER_FILES=$nv/vulkan/icd.d/nvidia_icd.json
fi
if [ -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ] && [ -f $nv/glvnd/egl_vendor.d/10_nvidia.json ]; then
  export __EGL_VENDOR_LIBRARY_FILENAMES=$nv/glvnd/egl_vendor.d/10_nvidia.json
fi

# 3. Node, onto PATH.
BIN=${TMPDIR:-/tmp}/unif2ace-device/bin
mkdir -p "$BIN"
unxz_to_stdout "$DEV/node.xz" >"$BIN/node.part"
chmod +x "$BIN/node.part"
mv -f "$BIN/node.part" "$BIN/node"
export PATH=$BIN:$PATH

# 4. packages/*/dist and node_modules, over the repo root.
unxz_to_stdout "$DEV/app.tar.xz" | tar -xf - -C "$ROOT"

say "node $(node --version) from $BIN; VK_DRIVER_FILES=${VK_DRIVER_FILES:-unset}; running: $*"
exec "$@"
