#!/usr/bin/env bash
# Install, as root, everything the test suites need on a fresh Debian 12 machine of the CI kind. Idempotent:
# when every package is already installed it does nothing (set CI_INSTALL_FORCE=1 to run apt anyway).
#   unit/fuzz : node (>= 20.16, not installed here: the machine provides it)
#   e2e       : chromium (+ fonts-liberation for stable text metrics)
#   interop   : docker.io (dockerd 20.10 + CLI), containerd, runc, podman (+ conmon, containers-common), skopeo,
#               umoci, oci-image-tool, rsync, busybox-static (the fixture base's /bin/sh), zstd, jq, python3
#               (tarfile: the independent rootfs model), gzip, tar, mount (mount/umount)
#   hostile   : time (/usr/bin/time: wall seconds and peak RSS of each CLI run)
#   conformance: the interop packages plus buildah (images it commits are part of the corpus)
#   security  : golang-go (Go's encoding/json, archive/tar and path/filepath as the reference reader: test/oracle,
#               standard library only, built offline)
set -euo pipefail

PACKAGES=(
  chromium fonts-liberation
  docker.io containerd runc tini
  podman conmon golang-github-containers-common
  skopeo umoci oci-image-tool buildah
  rsync busybox-static zstd jq python3 gzip tar xz-utils util-linux mount ca-certificates
  time golang-go
)

if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then exec sudo -E bash "$0" "$@"; fi
  echo "ci-install: must run as root" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" != "install ok installed" ]; then missing+=("$p"); fi
done

if [ ${#missing[@]} -gt 0 ] || [ "${CI_INSTALL_FORCE:-0}" = 1 ]; then
  echo "ci-install: installing ${missing[*]:-(forced)}"
  export DEBIAN_FRONTEND=noninteractive
  # Do not start the system's docker/containerd services: the tests start private daemons on unix sockets.
  policy_created=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    policy_created=1
  fi
  trap 'if [ "$policy_created" = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
  apt-get update
  apt-get install -y --no-install-recommends "${PACKAGES[@]}"
else
  echo "ci-install: all ${#PACKAGES[@]} packages present"
fi

# Tools the suites call, and the facts they rely on.
for t in node npm chromium dockerd docker containerd ctr runc podman skopeo umoci oci-image-tool rsync busybox zstd jq python3 /usr/bin/time go; do
  command -v "$t" >/dev/null || { echo "ci-install: $t not found after install" >&2; exit 1; }
done
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<16)) { console.error("ci-install: node >= 20.16 required, have "+process.version); process.exit(1) }'
grep -qw overlay /proc/filesystems || echo "ci-install: WARNING: no overlayfs in this kernel; set INTEROP_DOCKER_STORAGE_DRIVER=vfs" >&2
echo "ci-install: ok ($(/usr/bin/docker --version), $(containerd --version | awk '{print $3}'), podman $(podman --version | awk '{print $3}'))"
