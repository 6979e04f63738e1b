/* SPDX-License-Identifier: ISC */
/* Every limit of the ManageSieve server (RFC 5804), in one place: the
 * command parser's (line, strings, literals, arguments) and the
 * session's (errors, commands, idle time). */
#ifndef BALISE_MS_LIMITS_H
#define BALISE_MS_LIMITS_H

#include "balstore.h"
#include "sieve_limits.h"

/* Non-literal bytes of one command, all its lines together (name, quoted
 * strings, numbers, literal headers, spaces, CRLFs). The longest legal
 * command (two quoted names of 1024 octets) fits well. */
#define MS_LINE_MAX 4096
/* RFC 5804 section 4: a quoted string holds at most 1024 octets. */
#define MS_QUOTED_MAX 1024
/* A literal: a script text at most (PUTSCRIPT, CHECKSCRIPT). A larger
 * one is read and dropped, and the command answered NO (QUOTA/MAXSIZE). */
#define MS_LITERAL_MAX STORE_SIEVE_SCRIPT_MAX
/* Bytes held for one command: its non-literal bytes and its literals
 * (MS_LITERAL_MAX for all of them together). */
#define MS_BUFFERED_MAX (MS_LITERAL_MAX + MS_LINE_MAX)
/* Arguments of one command (PUTSCRIPT, RENAMESCRIPT, HAVESPACE and
 * AUTHENTICATE take two). */
#define MS_ARGS_MAX 4
/* Command names are short atoms (UNAUTHENTICATE is the longest). */
#define MS_NAME_MAX 32
/* RFC 5804 section 4: number = a 32-bit unsigned number; also the
 * largest literal size we read (and drop) to stay in step. */
#define MS_NUMBER_MAX 0xffffffffULL
/* AUTHENTICATE PLAIN: authzid, authcid and password, each at most this
 * many octets (as SMTP AUTH). */
#define MS_SASL_FIELD_MAX 255

/* Session. */
#define MS_ERRORS_MAX 20           /* refused commands (NO) before BYE */
#define MS_COMMANDS_MAX 10000      /* commands in one session */
#define MS_AUTH_FAILS_MAX 3        /* failed AUTHENTICATE before BYE */
#define MS_IDLE_MS (30 * 60 * 1000) /* no command for this long: BYE (as IMAP) */
/* Script names listed by LISTSCRIPTS: the store's per-BAL limit. */
#define MS_SCRIPTS_MAX STORE_SIEVE_SCRIPTS_MAX
/* MAXREDIRECTS: the engine's limit of redirect actions per message. */
#define MS_MAXREDIRECTS SIEVE_MAX_REDIRECTS

#endif
