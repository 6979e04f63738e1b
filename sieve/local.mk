# SPDX-License-Identifier: ISC
# libbalsieve: the Sieve engine (no I/O), its unit tests and fuzz targets.
noinst_LIBRARIES += sieve/libbalsieve.a
sieve_libbalsieve_a_SOURCES = \
	sieve/sieve.h sieve/sieve_limits.h sieve/sieve_int.h sieve/sieve_run_int.h \
	sieve/sieve.c sieve/sieve_lexer.c sieve/sieve_parser.c sieve/sieve_commands.c \
	sieve/sieve_validate.c sieve/sieve_binary.c sieve/sieve_strings.c \
	sieve/sieve_match.c sieve/sieve_interp.c sieve/sieve_result.c \
	sieve/sieve_cmd_actions.c sieve/sieve_cmd_vacation.c sieve/sieve_test_header.c \
	sieve/sieve_test_body.c sieve/sieve_test_date.c
SIEVE_LIBS = sieve/libbalsieve.a common/libbalcommon.a
