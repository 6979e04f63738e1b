#!/bin/bash
# SPDX-License-Identifier: ISC
# Replays every fuzz target's corpus (seeds and crash regressions) with the
# standalone driver: part of make check, so a fixed crash stays fixed.
set -eu
cd "${BALISE_BUILDDIR:?}"
failed=0 total=0
for t in tests/fuzz/fuzz_*; do
	[ -x "$t" ] || continue
	name=${t##*/fuzz_}
	dir="$BALISE_SRCDIR/tests/fuzz/corpus/$name"
	[ -d "$dir" ] || { echo "no corpus for $t"; failed=$((failed + 1)); continue; }
	total=$((total + 1))
	if "$t" "$dir"; then echo "ok: $name"; else echo "FAIL: $name"; failed=$((failed + 1)); fi
done
echo "$((total - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
