# SPDX-License-Identifier: ISC
# idnat and BAL-rule suites.
