# SPDX-License-Identifier: ISC
# Further fuzz targets (one block each, like fuzz_cfg in local.mk).
