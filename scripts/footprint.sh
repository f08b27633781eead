#!/usr/bin/env bash
# Size and footprint report of the hub (issue 5 targets: stripped aarch64 binary <= 2.5 MB,
# idle RSS <= 8 MB, RSS <= 64 MB while ingesting, LMDB page cache excluded).
#
#   scripts/footprint.sh [--no-build] [--records N] [--qemu-ingest] [--native-tree DIR]
#
# Builds `tern` in the trees of the presets release, generic-aarch64 and generic-armhf (or
# --native-tree instead of build/release; --no-build only reports the trees that exist), then
# prints per architecture:
#   - the stripped binary size (what the .deb ships) and what dominates it (symbol sizes of the
#     unstripped binary grouped by library/module, and the ELF sections)
#   - idle RSS of `tern serve` ~2 s after start, total and without the LMDB map; the hub runs
#     with the server.properties the architecture's .deb ships (listeners, log.dirs overridden)
#   - peak RSS while `tern bench --records N` (default 1,000,000 x 100 B) ingests into it
# amd64 runs natively: those are the real figures. ARM hubs run under qemu-user, whose process
# RSS includes the emulator; the "guest" estimate counts the target-architecture files mapped
# (tern, the ARM libraries) plus anonymous memory, which still includes qemu's translated-code
# buffer, so it is an upper bound. --qemu-ingest also measures ingest under qemu (slow).
#
# RSS "without LMDB" subtracts the resident pages of the data.mdb mapping: those are page cache
# that the kernel reclaims under pressure, not the hub's own memory.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
records=1000000
qemu_ingest=0
native_tree=build/release
while [ $# -gt 0 ]; do
  case "$1" in
    --no-build) build=0 ;;
    --records) records=$2; shift ;;
    --qemu-ingest) qemu_ingest=1 ;;
    --native-tree) native_tree=$2; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "footprint.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done

work=$(mktemp -d /tmp/tern-footprint.XXXXXX)
hub_pid=""
cleanup() {
  if [ -n "$hub_pid" ] && kill -0 "$hub_pid" 2>/dev/null; then
    kill -TERM "$hub_pid" 2>/dev/null || true
    wait "$hub_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

# arch | preset | tree | binutils prefix | emulator | the config its .deb ships (the hub runs
# with it, listeners and log.dirs overridden)
arches=(
  "amd64|release|$native_tree|||packaging/server.properties"
  "aarch64|generic-aarch64|build/generic-aarch64|aarch64-linux-gnu-|qemu-aarch64|boards/generic-aarch64/server.properties"
  "armhf|generic-armhf|build/generic-armhf|arm-linux-gnueabihf-|qemu-arm|boards/generic-armhf/server.properties"
)

ensure_built() {  # preset tree
  local preset=$1 tree=$2
  if [ -x "$tree/hub/tern" ] && [ $build -eq 0 ]; then return 0; fi
  if [ $build -eq 0 ]; then return 1; fi
  [ -f "$tree/CMakeCache.txt" ] || cmake --preset "$preset" -B "$tree" >/dev/null
  cmake --build "$tree" -j "$(nproc)" --target tern >/dev/null
}

mib() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }

# Resident KiB of a process: total, anonymous, the LMDB map, and ARM-guest file mappings.
rss_of() {  # pid triple
  awk -v triple="$2" '
    /^[0-9a-f]+-[0-9a-f]+ / { path = $6 }
    /^Rss:/ {
      total += $2
      if (path ~ /data\.mdb$/) lmdb += $2
      else if (path == "") anon += $2
      else if (triple != "" && (path ~ "/" triple "/" || path ~ /\/tern$/)) guest += $2
    }
    END { printf "%d %d %d %d\n", total, anon, lmdb, guest }' "/proc/$1/smaps"
}

start_hub() {  # emulator tern config data_dir log
  local emu=$1 bin=$2 config=$3 dir=$4 log=$5
  local args=(serve --config "$config" --listeners PLAINTEXT://127.0.0.1:0 --log.dirs "$dir")
  rm -rf "$dir"
  if [ -n "$emu" ]; then
    "$emu" "$bin" "${args[@]}" 2>"$log" &
  else
    "$bin" "${args[@]}" 2>"$log" &
  fi
  hub_pid=$!
  for _ in $(seq 1 200); do
    port=$(sed -n 's/.*listening on PLAINTEXT:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "hub did not start:" >&2; cat "$log" >&2; return 1
}

stop_hub() {
  kill -TERM "$hub_pid"; wait "$hub_pid" || true; hub_pid=""
}

size_breakdown() {  # unstripped binary, binutils prefix
  local bin=$1 pfx=$2
  echo "  what the code is (symbol sizes in the unstripped binary, by namespace):"
  "${pfx}nm" -C -S -t d --size-sort "$bin" 2>/dev/null | awk '
    $3 ~ /^[tTwWrRdDbBvV]$/ {
      size = $2 + 0
      name = $0; sub(/^[0-9]+ [0-9]+ [A-Za-z] /, "", name)
      best = "other (C runtime, glue)"; pos = 1e9
      n = split("asio:: std:: __gnu_cxx:: cxxopts:: tern::storage tern::kafka tern::net tern::client tern::cli tern::app tern::", keys, " ")
      for (i = 1; i <= n; i++) {
        p = index(name, keys[i])
        if (p > 0 && p < pos) { pos = p; best = keys[i] }
      }
      if (best == "__gnu_cxx::") best = "std::"
      if (best == "tern::") best = "tern:: (common codec, main)"
      sum[best] += size; all += size
    }
    END {
      for (k in sum) printf "    %7.1f KiB  %4.1f%%  %s\n", sum[k] / 1024, 100 * sum[k] / all, k
    }' | sort -rn
  echo "  sections (KiB):"
  "${pfx}size" -A "$bin" | awk '$1 ~ /^\.(text|rodata|eh_frame|eh_frame_hdr|gcc_except_table|data\.rel\.ro|dynsym|dynstr|rela\.dyn|rel\.dyn|ARM\.exidx|ARM\.extab|bss|data)$/ {
      printf "    %-18s %8.1f\n", $1, $2 / 1024 }'
}

declare -A stripped_bytes idle ingest
for entry in "${arches[@]}"; do
  IFS='|' read -r arch preset tree pfx emu config <<<"$entry"
  echo "== $arch (preset $preset, $tree)"
  if ! ensure_built "$preset" "$tree"; then
    echo "  not built (run without --no-build, or: cmake --preset $preset && cmake --build --preset $preset)"
    continue
  fi
  if [ -n "$emu" ] && ! command -v "$emu" >/dev/null; then emu_missing=1; else emu_missing=0; fi
  bin=$tree/hub/tern
  "${pfx}strip" --strip-all -o "$work/tern-$arch" "$bin"
  bytes=$(stat -c %s "$work/tern-$arch")
  stripped_bytes[$arch]=$bytes
  echo "  stripped binary: $bytes bytes ($(mib "$bytes"))   unstripped: $(stat -c %s "$bin") bytes"
  size_breakdown "$bin" "$pfx"

  if [ "$emu_missing" -eq 1 ]; then echo "  $emu not installed: no RSS figures"; continue; fi
  triple=""
  [ -n "$pfx" ] && triple=${pfx%-}
  start_hub "$emu" "$bin" "$config" "$work/data-$arch" "$work/hub-$arch.log"
  sleep 2
  read -r total anon lmdb guest < <(rss_of "$hub_pid" "$triple")
  if [ -z "$emu" ]; then
    idle[$arch]="idle RSS $total KiB ($((total - lmdb)) KiB without the LMDB map)"
    echo "  idle RSS: $total KiB (anonymous $anon KiB; LMDB map $lmdb KiB)"
  else
    idle[$arch]="idle under qemu: guest <= $((guest + anon)) KiB (qemu process $total KiB)"
    echo "  idle RSS under $emu: $total KiB for the qemu process;" \
         "guest estimate $((guest + anon)) KiB (ARM files $guest + anonymous $anon, an upper bound)"
  fi

  if [ -z "$emu" ] || [ $qemu_ingest -eq 1 ]; then
    n=$records
    [ -n "$emu" ] && n=$((records / 10))
    "$native_tree/hub/tern" bench --bootstrap-server "127.0.0.1:$port" --records "$n" \
      --record-size 100 >"$work/bench-$arch.txt" 2>&1 &
    bench_pid=$!
    peak=0; peak_nolmdb=0; peak_lmdb=0
    while kill -0 "$bench_pid" 2>/dev/null; do
      read -r total anon lmdb guest < <(rss_of "$hub_pid" "$triple") || break
      [ "$total" -gt "$peak" ] && peak=$total
      [ "$lmdb" -gt "$peak_lmdb" ] && peak_lmdb=$lmdb
      [ $((total - lmdb)) -gt "$peak_nolmdb" ] && peak_nolmdb=$((total - lmdb))
      sleep 0.05
    done
    wait "$bench_pid" || { echo "  bench failed:"; cat "$work/bench-$arch.txt"; }
    echo "  while ingesting $n x 100 B (tern bench): peak RSS $peak KiB," \
         "without the LMDB map $peak_nolmdb KiB (LMDB map peak $peak_lmdb KiB)"
    ingest[$arch]="ingest peak $peak_nolmdb KiB without the LMDB map ($peak KiB with it)"
    sed 's/^/    bench: /' "$work/bench-$arch.txt" | grep -iE "records/s|MB/s|p50|p99" | head -4 || true
  fi
  stop_hub
done

echo "== summary (targets: stripped aarch64 <= 2.5 MB, idle RSS <= 8 MB, ingest RSS <= 64 MB)"
for a in amd64 aarch64 armhf; do
  [ -n "${stripped_bytes[$a]:-}" ] || continue
  line="  $a: stripped ${stripped_bytes[$a]} bytes ($(mib "${stripped_bytes[$a]}"))"
  [ -n "${idle[$a]:-}" ] && line+="; ${idle[$a]}"
  [ -n "${ingest[$a]:-}" ] && line+="; ${ingest[$a]}"
  echo "$line"
done
