#!/usr/bin/env bash
# Installs what Tern needs on Debian bookworm. Safe to run again.
#   scripts/setup-debian.sh          build dependencies (to build and run the hub)
#   scripts/setup-debian.sh --test   plus the test clients (kcat, librdkafka, python3, node + kafkajs)
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

packages=(build-essential cmake pkg-config libasio-dev liblmdb-dev libcxxopts-dev libmbedtls-dev
          zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev libraft-dev)

# libraft-dev 0.22.1 (the cluster's metadata quorum) comes from bookworm-backports: bookworm's own
# 0.15.0 lacks later safety fixes. Backports is enabled by reusing the URI of the Debian source the
# machine already uses (no mirror is named here), and only libraft is pinned to it.
enable_backports_for_raft() {
  local list=/etc/apt/sources.list.d/tern-bookworm-backports.sources
  local pin=/etc/apt/preferences.d/tern-libraft
  if [ ! -f "$list" ]; then
    local uri
    uri=$(grep -h -E '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null |
            awk '{print $2}' | grep -v -- '-security' | head -n 1 || true)
    if [ -z "$uri" ]; then
      uri=$(grep -h -E '^deb[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
              grep -v -- '-security' | sed -E 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?//' |
              awk '{print $1}' | head -n 1 || true)
    fi
    if [ -z "$uri" ]; then
      echo "setup-debian: no Debian apt source found to reuse for bookworm-backports" >&2
      exit 1
    fi
    printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
      "$uri" | as_root tee "$list" >/dev/null
    need_update=1
  fi
  if [ ! -f "$pin" ]; then
    printf 'Package: libraft-dev:any libraft0:any\nPin: release n=bookworm-backports\nPin-Priority: 990\n' |
      as_root tee "$pin" >/dev/null
    need_update=1
  fi
}
need_update=0
enable_backports_for_raft
if [ "${1:-}" = "--test" ]; then
  packages+=(libgtest-dev googletest kcat librdkafka-dev python3 lmdb-utils openssl
             # firmware: Cortex-M cross builds and size report, libFuzzer targets
             gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi clang libclang-rt-dev)
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)
fi

if [ "${1:-}" = "--test" ]; then
  # ARM gateway builds: Debian cross compilers, qemu-user, and the target libraries (multiarch).
  for arch in arm64 armhf; do
    dpkg --print-foreign-architectures | grep -qx "$arch" || as_root dpkg --add-architecture "$arch"
  done
  packages+=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user dpkg-dev adduser
             liblmdb-dev:arm64 libraft-dev:arm64 libmbedtls-dev:arm64 libstdc++6:arm64 libgtest-dev:arm64
             zlib1g-dev:arm64 libsnappy-dev:arm64 liblz4-dev:arm64 libzstd-dev:arm64
             liblmdb-dev:armhf libraft-dev:armhf libmbedtls-dev:armhf libstdc++6:armhf libgtest-dev:armhf
             zlib1g-dev:armhf libsnappy-dev:armhf liblz4-dev:armhf libzstd-dev:armhf)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# An older libraft (bookworm's 0.15) counts as missing: the pin above upgrades it.
if dpkg-query -W -f='${Version}' libraft-dev 2>/dev/null | grep -q '^0\.1'; then missing+=(libraft-dev); fi
if [ ${#missing[@]} -gt 0 ] || [ "$need_update" = 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # A mirror half-way through a sync can fail one index; the install below says if it matters.
  as_root apt-get update -q || echo "setup-debian: apt-get update reported errors; installing anyway" >&2
  as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = "--test" ]; then
  # The Node.js clients (kafkajs, @platformatic/kafka, kafka-ts), pinned by their lockfiles; only fetched
  # when missing or the lockfile changed.
  for dir in tests/compat/kafkajs tests/compat/platformatic tests/compat/kafkats; do
    lock=$dir/package-lock.json
    stamp=$dir/node_modules/.tern-lock-stamp
    if [ -f "$lock" ] && ! cmp -s "$lock" "$stamp" 2>/dev/null; then
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
      cp "$lock" "$stamp"
    fi
  done
fi
