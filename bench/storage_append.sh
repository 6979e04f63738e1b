#!/bin/bash
# SPDX-License-Identifier: ISC
# Runs bench/storage_append (32 writers, durable) for 10 KB and 1 MB messages
# into 1 and 100 mailboxes, each run beside `dd conv=fdatasync` of the same
# byte count in the same directory and beside the I/O floor of the same
# commits without LMDB (storage_append -F), and prints medians as Markdown.
# usage: bench/storage_append.sh [BUILDDIR [WORKDIR]]
#   RUNS=3, WRITERS=32, EXTRA="..." (more options for storage_append)
set -euo pipefail
export LC_ALL=C

BUILDDIR=${1:-.}
WORK=${2:-$(mktemp -d "${TMPDIR:-/tmp}/bench-storage.XXXXXX")}
RUNS=${RUNS:-3}
WRITERS=${WRITERS:-32}
EXTRA=${EXTRA:-}
BIN="$BUILDDIR/bench/storage_append"
# size count mailboxes
CONFIGS=${CONFIGS:-"10000:20000:1 10000:20000:100 1000000:300:1 1000000:300:100"}

[ -x "$BIN" ] || { echo "build it first: make bench/storage_append" >&2; exit 2; }
mkdir -p "$WORK"
trap 'rm -rf "$WORK/env" "$WORK/dd.out"' EXIT

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# MB/s of dd writing $1 bytes durably (one fdatasync at the end, like a
# sequential file copy); MB = 10^6 bytes in both columns.
dd_rate() {
	local mib=$(( ($1 + 1048575) / 1048576 ))
	dd if=/dev/zero of="$WORK/dd.out" bs=1M count=$mib conv=fdatasync 2>&1 |
		awk '/copied/ { for (i = 1; i <= NF; i++) if ($i == "s,") printf "%.1f\n", $1 / $(i-1) / 1e6 }'
	rm -f "$WORK/dd.out"
}

rate() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }

echo "| message size | mailboxes | messages | writers | msgs/s | store MB/s | floor MB/s | dd MB/s | store/dd | store/floor |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for cfg in $CONFIGS; do
	IFS=: read -r size count boxes <<<"$cfg"
	store_mbs=() store_mps=() dd_mbs=() floor_mbs=()
	for _ in $(seq "$RUNS"); do
		rm -rf "$WORK/env"
		# shellcheck disable=SC2086
		line=$("$BIN" $EXTRA -d "$WORK/env" -n "$count" -s "$size" -m "$boxes" -w "$WRITERS")
		echo "# $line" >&2
		store_mps+=("$(rate msgs_per_s <<<"$line")")
		store_mbs+=("$(rate MB_per_s <<<"$line")")
		rm -rf "$WORK/env"
		line=$("$BIN" -F -d "$WORK" -n "$count" -s "$size" -w "$WRITERS")
		echo "# $line" >&2
		floor_mbs+=("$(rate MB_per_s <<<"$line")")
		d=$(dd_rate $((size * count)))
		echo "# dd $((size * count)) bytes: $d MB/s" >&2
		dd_mbs+=("$d")
	done
	mps=$(printf '%s\n' "${store_mps[@]}" | median)
	mbs=$(printf '%s\n' "${store_mbs[@]}" | median)
	dmb=$(printf '%s\n' "${dd_mbs[@]}" | median)
	fmb=$(printf '%s\n' "${floor_mbs[@]}" | median)
	pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f %%", 100 * a / b }'; }
	echo "| $size B | $boxes | $count | $WRITERS | $mps | $mbs | $fmb | $dmb | $(pct "$mbs" "$dmb") | $(pct "$mbs" "$fmb") |"
done
