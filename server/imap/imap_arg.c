/* SPDX-License-Identifier: ISC */
/* Accessors over the parsed argument tree; they map the RFC 9051 grammar
 * names (astring, nstring, string, number) to argument types. */
#include "config.h"

#include <strings.h>

#include "imap_arg.h"

bool imap_arg_get_astring(const struct imap_arg *arg, struct slice *str_r)
{
	switch (arg->type) {
	case IMAP_ARG_ATOM:
		if ((arg->flags & IMAP_ARGF_SECTION) != 0)
			return false;
		/* fall through */
	case IMAP_ARG_NIL:
	case IMAP_ARG_QUOTED:
		*str_r = arg->str;
		return true;
	case IMAP_ARG_LITERAL:
		if ((arg->flags & IMAP_ARGF_STREAMED) != 0)
			return false;
		*str_r = arg->str;
		return true;
	default:
		return false;
	}
}

bool imap_arg_get_string(const struct imap_arg *arg, struct slice *str_r)
{
	if (arg->type != IMAP_ARG_QUOTED && arg->type != IMAP_ARG_LITERAL)
		return false;
	return imap_arg_get_astring(arg, str_r);
}

bool imap_arg_get_nstring(const struct imap_arg *arg, struct slice *str_r)
{
	if (arg->type == IMAP_ARG_NIL) {
		str_r->p = NULL;
		str_r->len = 0;
		return true;
	}
	return imap_arg_get_string(arg, str_r);
}

bool imap_arg_get_atom(const struct imap_arg *arg, struct slice *atom_r)
{
	if (arg->type != IMAP_ARG_ATOM && arg->type != IMAP_ARG_NIL)
		return false;
	*atom_r = arg->str;
	return true;
}

bool imap_arg_get_list(const struct imap_arg *arg, const struct imap_arg **list_r,
                       unsigned *count_r)
{
	if (arg->type != IMAP_ARG_LIST)
		return false;
	*list_r = arg->list;
	*count_r = arg->list_count;
	return true;
}

int imap_number_parse(struct slice s, uint64_t *num_r)
{
	uint64_t n = 0;

	if (s.len == 0 || (s.len > 1 && s.p[0] == '0'))
		return -1;
	for (size_t i = 0; i < s.len; i++) {
		unsigned d = (unsigned)s.p[i] - '0';
		if (d > 9 || n > ((uint64_t)INT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	*num_r = n;
	return 0;
}

bool imap_arg_get_number(const struct imap_arg *arg, uint64_t *num_r)
{
	return arg->type == IMAP_ARG_ATOM && (arg->flags & IMAP_ARGF_SECTION) == 0 &&
	       imap_number_parse(arg->str, num_r) == 0;
}

bool imap_arg_atom_equals(const struct imap_arg *arg, const char *upper)
{
	return (arg->type == IMAP_ARG_ATOM || arg->type == IMAP_ARG_NIL) &&
	       slice_casecmp_cstr(arg->str, upper) == 0;
}

bool imap_arg_is_eol(const struct imap_arg *arg)
{
	return arg->type == IMAP_ARG_EOL;
}
