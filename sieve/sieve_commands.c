/* SPDX-License-Identifier: ISC */
/* The command and test table (RFC 5228 §4-§5 and the extensions), the
 * extension names, and the syntax checks shared by compile and run time. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "sieve_int.h"
#include "util.h"

const char *const sieve_ext_names[SIEVE_EXT_END] = {
    "fileinto",  "envelope",   "encoded-character", "copy",
    "imap4flags", "variables", "body",              "relational",
    "comparator-i;ascii-numeric", "subaddress", "vacation", "vacation-seconds",
    "reject",    "ereject",    "date",              "index",
    "mailbox",   "duplicate",  "comparator-i;octet", "comparator-i;ascii-casemap",
};

#define CORE SIEVE_EXT_END
#define CMM "CMP MATCH"

static const struct sieve_cmd_spec cmds[] = {
    /* name, id, test, ext, pos, opt_first, tests, block, tags */
    {"if", SIEVE_IF, false, CORE, "", false, 1, true, ""},
    {"elsif", SIEVE_ELSIF, false, CORE, "", false, 1, true, ""},
    {"else", SIEVE_ELSE, false, CORE, "", false, 0, true, ""},
    {"require", SIEVE_REQUIRE, false, CORE, "l", false, 0, false, ""},
    {"stop", SIEVE_STOP, false, CORE, "", false, 0, false, ""},
    {"keep", SIEVE_KEEP, false, CORE, "", false, 0, false, ":flags"},
    {"discard", SIEVE_DISCARD, false, CORE, "", false, 0, false, ""},
    {"fileinto", SIEVE_FILEINTO, false, SIEVE_EXT_FILEINTO, "s", false, 0, false,
     ":copy :flags :create"},
    {"redirect", SIEVE_REDIRECT, false, CORE, "s", false, 0, false, ":copy"},
    {"setflag", SIEVE_SETFLAG, false, SIEVE_EXT_IMAP4FLAGS, "sl", true, 0, false, ""},
    {"addflag", SIEVE_ADDFLAG, false, SIEVE_EXT_IMAP4FLAGS, "sl", true, 0, false, ""},
    {"removeflag", SIEVE_REMOVEFLAG, false, SIEVE_EXT_IMAP4FLAGS, "sl", true, 0, false, ""},
    {"set", SIEVE_SET, false, SIEVE_EXT_VARIABLES, "ss", false, 0, false,
     ":lower :upper :lowerfirst :upperfirst :quotewildcard :length"},
    {"vacation", SIEVE_VACATION, false, SIEVE_EXT_VACATION, "s", false, 0, false,
     ":days :seconds :subject :from :addresses :mime :handle"},
    {"reject", SIEVE_REJECT, false, SIEVE_EXT_REJECT, "s", false, 0, false, ""},
    {"ereject", SIEVE_EREJECT, false, SIEVE_EXT_EREJECT, "s", false, 0, false, ""},
    {"address", SIEVE_T_ADDRESS, true, CORE, "ll", false, 0, false, CMM " ADDR :index :last"},
    {"header", SIEVE_T_HEADER, true, CORE, "ll", false, 0, false, CMM " :index :last"},
    {"envelope", SIEVE_T_ENVELOPE, true, SIEVE_EXT_ENVELOPE, "ll", false, 0, false, CMM " ADDR"},
    {"exists", SIEVE_T_EXISTS, true, CORE, "l", false, 0, false, ""},
    {"size", SIEVE_T_SIZE, true, CORE, "n", false, 0, false, ":over :under"},
    {"allof", SIEVE_T_ALLOF, true, CORE, "", false, 2, false, ""},
    {"anyof", SIEVE_T_ANYOF, true, CORE, "", false, 2, false, ""},
    {"not", SIEVE_T_NOT, true, CORE, "", false, 1, false, ""},
    {"true", SIEVE_T_TRUE, true, CORE, "", false, 0, false, ""},
    {"false", SIEVE_T_FALSE, true, CORE, "", false, 0, false, ""},
    {"hasflag", SIEVE_T_HASFLAG, true, SIEVE_EXT_IMAP4FLAGS, "ll", true, 0, false, CMM},
    {"string", SIEVE_T_STRING, true, SIEVE_EXT_VARIABLES, "ll", false, 0, false, CMM},
    {"body", SIEVE_T_BODY, true, SIEVE_EXT_BODY, "l", false, 0, false,
     CMM " :raw :content :text"},
    {"date", SIEVE_T_DATE, true, SIEVE_EXT_DATE, "ssl", false, 0, false,
     CMM " :zone :originalzone :index :last"},
    {"currentdate", SIEVE_T_CURRENTDATE, true, SIEVE_EXT_DATE, "sl", false, 0, false,
     CMM " :zone"},
    {"mailboxexists", SIEVE_T_MAILBOXEXISTS, true, SIEVE_EXT_MAILBOX, "l", false, 0, false, ""},
    {"duplicate", SIEVE_T_DUPLICATE, true, SIEVE_EXT_DUPLICATE, "", false, 0, false,
     ":handle :header :uniqueid :seconds :last"},
};

const struct sieve_cmd_spec *sieve_cmd_find(const char *name, bool test)
{
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (cmds[i].test == test && strcmp(cmds[i].name, name) == 0)
			return &cmds[i];
	return NULL;
}

const struct sieve_cmd_spec *sieve_cmd_by_id(unsigned id)
{
	for (size_t i = 0; i < ARRAY_LEN(cmds); i++)
		if (cmds[i].id == id)
			return &cmds[i];
	return NULL;
}

const char *sieve_capability(void)
{
	return "fileinto reject ereject envelope encoded-character vacation vacation-seconds "
	       "subaddress comparator-i;ascii-numeric relational imap4flags copy body "
	       "variables date index mailbox duplicate";
}

const char *sieve_cmp_name(unsigned cmp)
{
	static const char *const names[] = {"i;ascii-casemap", "i;octet", "i;ascii-numeric"};
	return cmp < ARRAY_LEN(names) ? names[cmp] : "?";
}

static const char *const relops[SIEVE_REL_END] = {"eq", "ne", "gt", "ge", "lt", "le"};

const char *sieve_relop_name(unsigned op)
{
	return op < SIEVE_REL_END ? relops[op] : "?";
}

int sieve_relop_parse(const char *s, size_t len)
{
	for (int i = 0; i < SIEVE_REL_END; i++)
		if (len == 2 && strncasecmp(s, relops[i], 2) == 0)
			return i;
	return -1;
}

static bool is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80 || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5321 §4.1.2 Mailbox: (dot-string / quoted-string) "@" domain; 8-bit
 * bytes allowed (RFC 6531). */
bool sieve_addr_valid(const char *a, size_t len)
{
	size_t i = 0, at;

	if (len == 0 || len > 320)
		return false;
	if (a[0] == '"') {
		for (i = 1; i < len && a[i] != '"'; i++)
			if (a[i] == '\\')
				i++;
		if (i >= len)
			return false;
		i++;
	} else {
		for (; i < len && a[i] != '@'; i++)
			if (!is_atext((unsigned char)a[i]) &&
			    !(a[i] == '.' && i > 0 && a[i - 1] != '.'))
				return false;
		if (i == 0 || a[i - 1] == '.')
			return false;
	}
	if (i >= len || a[i] != '@')
		return false;
	at = i++;
	if (i >= len || a[i] == '.' || a[len - 1] == '.')
		return false;
	if (a[i] == '[')
		return a[len - 1] == ']' && len - at > 3;
	for (; i < len; i++) {
		unsigned char c = (unsigned char)a[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c >= 0x80 || (c == '.' && a[i - 1] != '.')))
			return false;
	}
	return true;
}

/* field-name = 1*ftext; ftext = %d33-57 / %d59-126 (RFC 5322 §3.6.8) */
bool sieve_header_name_valid(const char *a, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)a[i] < 33 || (unsigned char)a[i] > 126 || a[i] == ':')
			return false;
	return true;
}

/* RFC 5228 §5.1: the address test is restricted to fields that hold
 * addresses (RFC 5322 §3.6.2-§3.6.6 and common others). */
bool sieve_address_header(const char *a, size_t len)
{
	static const char *const names[] = {
	    "from", "sender", "reply-to", "to", "cc", "bcc", "resent-from", "resent-sender",
	    "resent-reply-to", "resent-to", "resent-cc", "resent-bcc", "return-path",
	    "return-receipt-to", "errors-to", "delivered-to", "envelope-to", "x-original-to",
	    "disposition-notification-to"};

	for (size_t i = 0; i < ARRAY_LEN(names); i++)
		if (strlen(names[i]) == len && strncasecmp(a, names[i], len) == 0)
			return true;
	return false;
}

/* variable-name = (ALPHA / "_") *(ALPHA / DIGIT / "_") (RFC 5229 §3) */
bool sieve_varname_valid(const char *a, size_t len)
{
	if (len == 0 || len > 64 || (a[0] >= '0' && a[0] <= '9'))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = a[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

static const char *const dateparts[] = {"year", "month", "day", "date", "julian", "hour",
                                        "minute", "second", "time", "iso8601", "std11",
                                        "zone", "weekday"};

bool sieve_datepart_valid(const char *a, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(dateparts); i++)
		if (strlen(dateparts[i]) == len && strncasecmp(a, dateparts[i], len) == 0)
			return true;
	return false;
}

/* time-zone = ( "+" / "-" ) 4DIGIT, hours up to 23? RFC 5260 §4.1 only
 * asks for the form; minutes must be below 60. */
bool sieve_zone_valid(const char *a, size_t len)
{
	if (len != 5 || (a[0] != '+' && a[0] != '-'))
		return false;
	for (int i = 1; i < 5; i++)
		if (a[i] < '0' || a[i] > '9')
			return false;
	return a[3] < '6';
}

int sieve_zone_parse(const char *a, size_t len)
{
	int m;

	if (!sieve_zone_valid(a, len))
		return 0;
	m = ((a[1] - '0') * 10 + (a[2] - '0')) * 60 + (a[3] - '0') * 10 + (a[4] - '0');
	return a[0] == '-' ? -m : m;
}
