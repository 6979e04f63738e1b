#!/bin/bash
# SPDX-License-Identifier: ISC
# make check entry: libbalsieve against Pigeonhole's sieve-test on the corpus.
set -eu
exec "${PYTHON3:-python3}" "${BALISE_SRCDIR:?}/tests/sieve-diff/sieve_diff.py" \
	"${BALISE_BUILDDIR:?}/tests/sieve-diff/sieve-run"
