/* SPDX-License-Identifier: ISC */
/* FETCH item lists to plans: macros, simple items and section attributes
 * (RFC 3501 §6.4.5 and §9 fetch-att, RFC 9051 §6.4.5, RFC 3516 §4). */
#include "config.h"

#include <string.h>

#include "imap_fetch_items.h"

struct simple_item {
	const char *name;
	enum imap_fetch_item_kind kind;
};

/* RFC 3501 §9 fetch-att without a section, and the extensions we serve. */
static const struct simple_item simple_items[] = {
    {"UID", IMAP_FETCH_UID},
    {"FLAGS", IMAP_FETCH_FLAGS},
    {"INTERNALDATE", IMAP_FETCH_INTERNALDATE},
    {"RFC822.SIZE", IMAP_FETCH_RFC822_SIZE},
    {"ENVELOPE", IMAP_FETCH_ENVELOPE},
    {"BODY", IMAP_FETCH_BODY},
    {"BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE},
    {"RFC822", IMAP_FETCH_RFC822},
    {"RFC822.HEADER", IMAP_FETCH_RFC822_HEADER},
    {"RFC822.TEXT", IMAP_FETCH_RFC822_TEXT},
    {"MODSEQ", IMAP_FETCH_MODSEQ},
    {"SAVEDATE", IMAP_FETCH_SAVEDATE},
};

/* RFC 3501 §6.4.5: the macros, equivalent to these lists. */
static const enum imap_fetch_item_kind macro_fast[] = {IMAP_FETCH_FLAGS, IMAP_FETCH_INTERNALDATE,
                                                       IMAP_FETCH_RFC822_SIZE};
static const enum imap_fetch_item_kind macro_all[] = {IMAP_FETCH_FLAGS, IMAP_FETCH_INTERNALDATE,
                                                      IMAP_FETCH_RFC822_SIZE, IMAP_FETCH_ENVELOPE};
static const enum imap_fetch_item_kind macro_full[] = {IMAP_FETCH_FLAGS, IMAP_FETCH_INTERNALDATE,
                                                       IMAP_FETCH_RFC822_SIZE, IMAP_FETCH_ENVELOPE,
                                                       IMAP_FETCH_BODY};

static int add(struct imap_fetch_plan *plan, const struct imap_fetch_item *it, const char **error_r)
{
	if (plan->nitems == IMAP_FETCH_ITEMS_MAX) {
		*error_r = "too many FETCH items";
		return -1;
	}
	plan->items[plan->nitems++] = *it;
	switch (it->kind) {
	case IMAP_FETCH_RFC822:
	case IMAP_FETCH_RFC822_TEXT:
		plan->set_seen = true;
		/* fall through */
	case IMAP_FETCH_RFC822_HEADER:
		plan->need_body = plan->need_summary = true;
		break;
	case IMAP_FETCH_ENVELOPE:
	case IMAP_FETCH_BODY:
	case IMAP_FETCH_BODYSTRUCTURE:
		plan->need_summary = true;
		break;
	case IMAP_FETCH_SECTION:
		plan->need_summary = true;
		if (it->sec.kind != IMAP_SECTION_BINARY_SIZE) {
			plan->need_body = true;
			plan->set_seen |= !it->sec.peek;
		}
		break;
	case IMAP_FETCH_MODSEQ:
		plan->has_modseq = true;
		break;
	case IMAP_FETCH_FLAGS:
		plan->has_flags = true;
		break;
	default:
		break;
	}
	return 0;
}

static int add_kind(struct imap_fetch_plan *plan, enum imap_fetch_item_kind kind,
                    const char **error_r)
{
	struct imap_fetch_item it;

	memset(&it, 0, sizeof(it));
	it.kind = kind;
	return add(plan, &it, error_r);
}

static int parse_one(const struct imap_arg *arg, struct imap_fetch_plan *plan, const char **error_r)
{
	struct imap_fetch_item it;

	if (arg->type != IMAP_ARG_ATOM) {
		*error_r = "FETCH item must be an atom";
		return -1;
	}
	if (arg->flags & IMAP_ARGF_SECTION) {
		memset(&it, 0, sizeof(it));
		it.kind = IMAP_FETCH_SECTION;
		if (imap_section_parse(arg->str, &it.sec, error_r) < 0)
			return -1;
		return add(plan, &it, error_r);
	}
	for (size_t i = 0; i < sizeof(simple_items) / sizeof(simple_items[0]); i++)
		if (imap_arg_atom_equals(arg, simple_items[i].name))
			return add_kind(plan, simple_items[i].kind, error_r);
	*error_r = "unknown FETCH item";
	return -1;
}

static int add_macro(const enum imap_fetch_item_kind *kinds, size_t n, struct imap_fetch_plan *plan,
                     const char **error_r)
{
	for (size_t i = 0; i < n; i++)
		if (add_kind(plan, kinds[i], error_r) < 0)
			return -1;
	return 0;
}

static int parse_items(const struct imap_arg *arg, struct imap_fetch_plan *plan,
                       const char **error_r)
{
	const struct imap_arg *list;
	unsigned count;

	if (imap_arg_atom_equals(arg, "ALL"))
		return add_macro(macro_all, sizeof(macro_all) / sizeof(macro_all[0]), plan,
		                 error_r);
	if (imap_arg_atom_equals(arg, "FAST"))
		return add_macro(macro_fast, sizeof(macro_fast) / sizeof(macro_fast[0]), plan,
		                 error_r);
	if (imap_arg_atom_equals(arg, "FULL"))
		return add_macro(macro_full, sizeof(macro_full) / sizeof(macro_full[0]), plan,
		                 error_r);
	if (!imap_arg_get_list(arg, &list, &count))
		return parse_one(arg, plan, error_r);
	/* RFC 3501 §9: "(" fetch-att *(SP fetch-att) ")", at least one */
	if (count == 0) {
		*error_r = "empty FETCH item list";
		return -1;
	}
	for (unsigned i = 0; i < count; i++)
		if (parse_one(&list[i], plan, error_r) < 0)
			return -1;
	return 0;
}

int imap_fetch_items_parse(const struct imap_arg *arg, bool uid, struct imap_fetch_plan *plan_r,
                           const char **error_r)
{
	memset(plan_r, 0, sizeof(*plan_r));
	if (arg == NULL || imap_arg_is_eol(arg)) {
		*error_r = "missing FETCH items";
		return -1;
	}
	/* RFC 3501 §6.4.8: UID FETCH always answers with UID; put it first
	 * as Dovecot does so that clients that scan for it find it early. */
	if (uid && add_kind(plan_r, IMAP_FETCH_UID, error_r) < 0)
		return -1;
	if (parse_items(arg, plan_r, error_r) < 0)
		return -1;
	if (uid) {
		/* drop a UID the client also asked for */
		for (unsigned i = 1; i < plan_r->nitems; i++) {
			if (plan_r->items[i].kind != IMAP_FETCH_UID)
				continue;
			memmove(&plan_r->items[i], &plan_r->items[i + 1],
			        (plan_r->nitems - i - 1) * sizeof(plan_r->items[0]));
			plan_r->nitems--;
			i--;
		}
	}
	return 0;
}
