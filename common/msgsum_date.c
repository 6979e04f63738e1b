/* SPDX-License-Identifier: ISC */
/* RFC 5322 §3.3 date-time to Unix time, lenient with the obsolete syntax
 * of §4.3 and with what real mailers write (for SORT DATE, SENTBEFORE...). */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "msgsum.h"
#include "util.h"

#define MSGSUM_DATE_MAX_COMMENT 32 /* nested comment depth skipped */

struct date_cur {
	const uint8_t *p;
	size_t pos, len;
};

static void date_skip(struct date_cur *c)
{
	while (c->pos < c->len) {
		uint8_t ch = c->p[c->pos];
		if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n' || ch == ',') {
			c->pos++;
		} else if (ch == '(') {
			unsigned depth = 0;
			while (c->pos < c->len) {
				ch = c->p[c->pos++];
				if (ch == '(' && depth < MSGSUM_DATE_MAX_COMMENT)
					depth++;
				else if (ch == ')' && --depth == 0)
					break;
			}
		} else {
			return;
		}
	}
}

/* Up to maxd digits; -1 if none. */
static int date_num(struct date_cur *c, unsigned maxd, unsigned *ndigits)
{
	int v = 0;
	unsigned n = 0;

	while (c->pos < c->len && n < maxd && c->p[c->pos] >= '0' && c->p[c->pos] <= '9') {
		v = v * 10 + (c->p[c->pos++] - '0');
		n++;
	}
	if (ndigits != NULL)
		*ndigits = n;
	return n > 0 ? v : -1;
}

static size_t date_word(struct date_cur *c, const uint8_t **w)
{
	size_t start = c->pos;

	while (c->pos < c->len && ((c->p[c->pos] | 0x20) >= 'a' && (c->p[c->pos] | 0x20) <= 'z'))
		c->pos++;
	*w = c->p + start;
	return c->pos - start;
}

static int date_month(const uint8_t *w, size_t n)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";

	if (n < 3)
		return -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp((const char *)w, months + 3 * i, 3) == 0)
			return i + 1;
	return -1;
}

/* Zone as seconds east of UTC: ±hhmm, or §4.3 obs-zone names. Military
 * zones and unknown names count as +0000 (§4.3 says they mean nothing). */
static int date_zone(struct date_cur *c)
{
	static const struct {
		const char *name;
		int hours;
	} zones[] = {{"UT", 0},   {"UTC", 0},  {"GMT", 0},  {"Z", 0},    {"EST", -5}, {"EDT", -4},
	             {"CST", -6}, {"CDT", -5}, {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
	const uint8_t *w;
	size_t n;

	date_skip(c);
	if (c->pos < c->len && (c->p[c->pos] == '+' || c->p[c->pos] == '-')) {
		int sign = c->p[c->pos++] == '-' ? -1 : 1;
		unsigned nd;
		int v = date_num(c, 4, &nd);
		if (nd != 4 || v % 100 > 59)
			return 0;
		return sign * ((v / 100) * 3600 + (v % 100) * 60);
	}
	n = date_word(c, &w);
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++)
		if (strlen(zones[i].name) == n &&
		    strncasecmp((const char *)w, zones[i].name, n) == 0)
			return zones[i].hours * 3600;
	return 0;
}

int msgsum_date_parse(const uint8_t *p, size_t len, int64_t *t_r)
{
	struct date_cur c = {p != NULL ? p : (const uint8_t *)"", 0, p != NULL ? len : 0};
	int day, month, year, hour, min, sec = 0, zone;
	unsigned nd;
	const uint8_t *w;
	size_t n;

	date_skip(&c);
	n = date_word(&c, &w); /* optional day-of-week, ignored */
	if (n > 0 && date_month(w, n) > 0)
		return -1; /* asctime order ("Dec 1 ..."): not RFC 5322 */
	date_skip(&c);
	day = date_num(&c, 2, NULL);
	date_skip(&c);
	if (c.pos < c.len && c.p[c.pos] == '-')
		c.pos++;
	n = date_word(&c, &w);
	month = date_month(w, n);
	if (c.pos < c.len && c.p[c.pos] == '-')
		c.pos++;
	date_skip(&c);
	year = date_num(&c, 4, &nd);
	if (day < 1 || day > 31 || month < 0 || year < 0)
		return -1;
	if (nd == 2)
		year += year < 50 ? 2000 : 1900; /* §4.3 */
	else if (nd == 3)
		year += 1900;
	date_skip(&c);
	hour = date_num(&c, 2, NULL);
	if (hour < 0 || hour > 23 || c.pos >= c.len || c.p[c.pos] != ':')
		return -1;
	c.pos++;
	min = date_num(&c, 2, NULL);
	if (min < 0 || min > 59)
		return -1;
	if (c.pos < c.len && c.p[c.pos] == ':') {
		c.pos++;
		sec = date_num(&c, 2, NULL);
		if (sec < 0 || sec > 60)
			return -1;
	}
	zone = date_zone(&c);
	*t_r = days_from_civil(year, (unsigned)month, (unsigned)day) * 86400 + hour * 3600 +
	       min * 60 + sec - zone;
	return 0;
}
