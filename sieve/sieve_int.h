/* SPDX-License-Identifier: ISC */
/* Internals shared by the stages of libbalsieve: tokens (lexer), the tree
 * (parser, then resolved by the validator into the compiled form), and the
 * command table. */
#ifndef BALISE_SIEVE_INT_H
#define BALISE_SIEVE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "sieve.h"

/* ------------------------------------------------------------- lexer */

enum sieve_tok {
	SIEVE_TOK_EOF = 0,
	SIEVE_TOK_IDENT,
	SIEVE_TOK_TAG,
	SIEVE_TOK_NUM,
	SIEVE_TOK_STR,
	SIEVE_TOK_LBRACKET,
	SIEVE_TOK_RBRACKET,
	SIEVE_TOK_LPAREN,
	SIEVE_TOK_RPAREN,
	SIEVE_TOK_LBRACE,
	SIEVE_TOK_RBRACE,
	SIEVE_TOK_COMMA,
	SIEVE_TOK_SEMI,
};

/* s is owned by the token (identifiers and tags lower-cased). */
struct sieve_token {
	enum sieve_tok t;
	unsigned line, col;
	uint64_t num;
	char *s;
	size_t len;
};

struct sieve_lexer {
	const char *p;
	size_t len, pos;
	unsigned line, col;
	struct sieve_error *err;
};

void sieve_lexer_init(struct sieve_lexer *lx, const char *p, size_t len, struct sieve_error *err);
/* 0 with the next token (SIEVE_TOK_EOF at the end), -1 with lx->err set. */
int sieve_lex(struct sieve_lexer *lx, struct sieve_token *tok);
void sieve_token_clear(struct sieve_token *tok);
const char *sieve_tok_name(enum sieve_tok t);

/* -------------------------------------------------------------- tree */

struct sieve_str {
	char *p; /* NUL-terminated, may hold NUL before len */
	size_t len;
	bool vars; /* holds "${": expanded at run time (variables) */
};

struct sieve_strlist {
	struct sieve_str *v;
	unsigned n;
};

enum sieve_argk { SIEVE_ARG_NUM, SIEVE_ARG_STRS, SIEVE_ARG_TAG };

/* One argument as parsed. */
struct sieve_parg {
	enum sieve_argk k;
	bool list; /* written as [..] */
	unsigned line, col;
	uint64_t num;
	char *tag;
	struct sieve_strlist sl;
};

/* Command and test ids (the compiled form stores them: append only). */
enum sieve_id {
	SIEVE_IF = 1,
	SIEVE_ELSIF,
	SIEVE_ELSE,
	SIEVE_REQUIRE,
	SIEVE_STOP,
	SIEVE_KEEP,
	SIEVE_DISCARD,
	SIEVE_FILEINTO,
	SIEVE_REDIRECT,
	SIEVE_SETFLAG,
	SIEVE_ADDFLAG,
	SIEVE_REMOVEFLAG,
	SIEVE_SET,
	SIEVE_VACATION,
	SIEVE_REJECT,
	SIEVE_EREJECT,
	SIEVE_T_ADDRESS,
	SIEVE_T_HEADER,
	SIEVE_T_ENVELOPE,
	SIEVE_T_EXISTS,
	SIEVE_T_SIZE,
	SIEVE_T_ALLOF,
	SIEVE_T_ANYOF,
	SIEVE_T_NOT,
	SIEVE_T_TRUE,
	SIEVE_T_FALSE,
	SIEVE_T_HASFLAG,
	SIEVE_T_STRING,
	SIEVE_T_BODY,
	SIEVE_T_DATE,
	SIEVE_T_CURRENTDATE,
	SIEVE_T_MAILBOXEXISTS,
	SIEVE_T_DUPLICATE,
	SIEVE_ID_END,
};

enum sieve_cmp { SIEVE_CMP_CASEMAP = 0, SIEVE_CMP_OCTET, SIEVE_CMP_NUMERIC, SIEVE_CMP_END };
enum sieve_match { SIEVE_MATCH_IS = 0, SIEVE_MATCH_CONTAINS, SIEVE_MATCH_MATCHES,
	           SIEVE_MATCH_COUNT, SIEVE_MATCH_VALUE, SIEVE_MATCH_END };
enum sieve_relop { SIEVE_REL_EQ = 0, SIEVE_REL_NE, SIEVE_REL_GT, SIEVE_REL_GE, SIEVE_REL_LT,
	           SIEVE_REL_LE, SIEVE_REL_END };
enum sieve_addrpart { SIEVE_AP_ALL = 0, SIEVE_AP_LOCAL, SIEVE_AP_DOMAIN, SIEVE_AP_USER,
	              SIEVE_AP_DETAIL, SIEVE_AP_END };
enum sieve_bodyt { SIEVE_BODY_TEXT = 0, SIEVE_BODY_RAW, SIEVE_BODY_CONTENT, SIEVE_BODY_END };

/* Boolean tags. */
#define SIEVE_F_COPY (1u << 0)
#define SIEVE_F_CREATE (1u << 1)
#define SIEVE_F_MIME (1u << 2)
#define SIEVE_F_LAST (1u << 3)
#define SIEVE_F_ORIGZONE (1u << 4)
#define SIEVE_F_OVER (1u << 5)
#define SIEVE_F_UNDER (1u << 6)
#define SIEVE_F_LOWER (1u << 7)
#define SIEVE_F_UPPER (1u << 8)
#define SIEVE_F_LOWERFIRST (1u << 9)
#define SIEVE_F_UPPERFIRST (1u << 10)
#define SIEVE_F_QUOTEWILD (1u << 11)
#define SIEVE_F_LENGTH (1u << 12)
#define SIEVE_F_NOFIRST (1u << 13) /* optional first positional absent */
#define SIEVE_F_ALL ((1u << 14) - 1)

/* Number-valued tags. */
enum sieve_numtag { SIEVE_N_SECONDS = 0, SIEVE_N_INDEX, SIEVE_N_END };
/* String-valued tags. */
enum sieve_strtag { SIEVE_S_SUBJECT = 0, SIEVE_S_FROM, SIEVE_S_ADDRESSES, SIEVE_S_HANDLE,
	            SIEVE_S_FLAGS, SIEVE_S_ZONE, SIEVE_S_CONTENT, SIEVE_S_HEADER,
	            SIEVE_S_UNIQUEID, SIEVE_S_END };

#define SIEVE_MAX_POS 3

/* A command or a test. The parser fills name, args, tests and block; the
 * validator resolves the rest and frees name and args: what remains is the
 * compiled form, which sieve_save() writes and sieve_load() reads back. */
struct sieve_node {
	char *name;
	struct sieve_parg *args;
	unsigned nargs;

	unsigned line, col;
	uint16_t id;
	uint8_t cmp, match, relop, addrpart, bodyt;
	uint32_t flags;
	uint32_t nums_set; /* bit per enum sieve_numtag */
	uint64_t num[SIEVE_N_END];
	uint64_t size; /* size test limit */
	struct sieve_strlist tag[SIEVE_S_END];
	struct sieve_strlist pos[SIEVE_MAX_POS];
	unsigned npos;

	struct sieve_node *tests;
	unsigned ntests;
	struct sieve_node *block;
	unsigned nblock;
	bool has_block;
};

/* Extensions (bit per name in sieve_ext_names). */
enum sieve_ext {
	SIEVE_EXT_FILEINTO = 0, SIEVE_EXT_ENVELOPE, SIEVE_EXT_ENCODED, SIEVE_EXT_COPY,
	SIEVE_EXT_IMAP4FLAGS, SIEVE_EXT_VARIABLES, SIEVE_EXT_BODY, SIEVE_EXT_RELATIONAL,
	SIEVE_EXT_NUMERIC, SIEVE_EXT_SUBADDRESS, SIEVE_EXT_VACATION, SIEVE_EXT_VACSECONDS,
	SIEVE_EXT_REJECT, SIEVE_EXT_EREJECT, SIEVE_EXT_DATE, SIEVE_EXT_INDEX,
	SIEVE_EXT_MAILBOX, SIEVE_EXT_DUPLICATE, SIEVE_EXT_OCTET, SIEVE_EXT_CASEMAP,
	SIEVE_EXT_END,
};
#define SIEVE_EXT_BIT(e) (1u << (e))
extern const char *const sieve_ext_names[SIEVE_EXT_END];

struct sieve_script {
	uint32_t exts; /* required extensions */
	struct sieve_node *cmds;
	unsigned ncmds;
};

/* ------------------------------------------------------------ stages */

/* Parses a whole script into a list of commands (ids not yet resolved). */
int sieve_parse(const char *p, size_t len, struct sieve_node **cmds_r, unsigned *ncmds_r,
                struct sieve_error *err);
/* Resolves ids and tags, checks every argument (RFC 5228 §8.3 and the
 * extension RFCs); fills exts. */
int sieve_validate(struct sieve_script *s, const struct sieve_compile_hooks *hooks,
                   struct sieve_error *err);
/* Checks a node's resolved fields against the command table: shared by
 * the validator and the loader of the compiled form. NULL if sound. */
const char *sieve_node_check(const struct sieve_node *n, bool is_test, uint32_t exts);

void sieve_node_clear(struct sieve_node *n);
void sieve_nodes_free(struct sieve_node *v, unsigned n);
void sieve_strlist_free(struct sieve_strlist *l);
void sieve_error_set(struct sieve_error *err, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Command table. */
struct sieve_cmd_spec {
	const char *name;
	uint16_t id;
	bool test;
	enum sieve_ext ext; /* SIEVE_EXT_END when core */
	const char *pos;    /* positional arguments: 's' string, 'l' list, 'n' number */
	bool opt_first;     /* the first positional may be left out */
	uint8_t tests;      /* 0 none, 1 one test, 2 a test list */
	bool block;
	const char *tags;   /* allowed tags, space-separated; "CMP MATCH ADDR" groups */
};
const struct sieve_cmd_spec *sieve_cmd_find(const char *name, bool test);
const struct sieve_cmd_spec *sieve_cmd_by_id(unsigned id);

/* Names of the enums as written in scripts. */
const char *sieve_cmp_name(unsigned cmp);
const char *sieve_relop_name(unsigned op);
int sieve_relop_parse(const char *s, size_t len); /* -1 if unknown */

/* Syntax checks shared by compile and run time. */
bool sieve_addr_valid(const char *a, size_t len);      /* RFC 5321 mailbox */
bool sieve_header_name_valid(const char *a, size_t len); /* RFC 5322 field-name */
bool sieve_varname_valid(const char *a, size_t len);    /* RFC 5229 §3 */
bool sieve_address_header(const char *a, size_t len);   /* RFC 5228 §5.1 */
bool sieve_datepart_valid(const char *a, size_t len);   /* RFC 5260 §4.2 */
bool sieve_zone_valid(const char *a, size_t len);       /* +hhmm / -hhmm */
int sieve_zone_parse(const char *a, size_t len);        /* minutes */

/* RFC 5228 §2.4.2.4 encoded-character: decodes in place. -1 with *why for
 * a unicode value out of range. */
int sieve_encoded_decode(struct sieve_str *s, const char **why);

#endif
