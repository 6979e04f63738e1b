# SPDX-License-Identifier: ISC
# Storage suites (check_storage, crash test).
