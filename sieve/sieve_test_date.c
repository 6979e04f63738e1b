/* SPDX-License-Identifier: ISC */
/* date and currentdate (RFC 5260 §4-§5): a date from a header field (with
 * :index, §6) or the current time, moved to :zone, the original zone or
 * the local one, and cut into the date part the script asks for (§4.2). */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "msgsum.h"
#include "sieve_run_int.h"
#include "util.h"

struct civil {
	int64_t year;
	unsigned month, day, hour, min, sec, wday;
	int64_t days; /* since 1970-01-01 */
};

/* Gregorian calendar from a day count (days since 1970-01-01). */
static void civil_from(int64_t t, struct civil *c)
{
	int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	int64_t secs = t - days * 86400, z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	c->days = days;
	c->day = doy - (153 * mp + 2) / 5 + 1;
	c->month = mp < 10 ? mp + 3 : mp - 9;
	c->year = (int64_t)yoe + era * 400 + (c->month <= 2);
	c->hour = (unsigned)(secs / 3600);
	c->min = (unsigned)(secs / 60 % 60);
	c->sec = (unsigned)(secs % 60);
	c->wday = (unsigned)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

/* The zone written in a date (RFC 5322 §3.3, obsolete names §4.3), in
 * minutes: the last "+hhmm" / "-hhmm" after a space, else a zone name;
 * 0 when none. */
static int written_zone(const char *s)
{
	static const struct {
		const char *name;
		int h;
	} names[] = {{" EDT", -4}, {" EST", -5}, {" CDT", -5}, {" CST", -6},
	             {" MDT", -6}, {" MST", -7}, {" PDT", -7}, {" PST", -8}};
	size_t len = strlen(s);

	for (size_t i = len; i >= 6; i--)
		if (s[i - 6] == ' ' && sieve_zone_valid(s + i - 5, 5))
			return sieve_zone_parse(s + i - 5, 5);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcasestr(s, names[i].name) != NULL)
			return names[i].h * 60;
	return 0;
}

static void zone_str(int minutes, char out[6])
{
	int m = minutes < 0 ? -minutes : minutes;
	snprintf(out, 6, "%c%02d%02d", minutes < 0 ? '-' : '+', m / 60 % 100, m % 60);
}

static void date_part(const char *part, int64_t t, int zone, struct buf *out)
{
	static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct civil c;
	char z[6];
	long long y;

	civil_from(t + (int64_t)zone * 60, &c);
	zone_str(zone, z);
	y = (long long)c.year;
	if (strcasecmp(part, "year") == 0)
		buf_printf(out, "%04lld", y);
	else if (strcasecmp(part, "month") == 0)
		buf_printf(out, "%02u", c.month);
	else if (strcasecmp(part, "day") == 0)
		buf_printf(out, "%02u", c.day);
	else if (strcasecmp(part, "date") == 0)
		buf_printf(out, "%04lld-%02u-%02u", y, c.month, c.day);
	else if (strcasecmp(part, "julian") == 0) /* Modified Julian Day */
		buf_printf(out, "%lld", (long long)(c.days + 40587));
	else if (strcasecmp(part, "hour") == 0)
		buf_printf(out, "%02u", c.hour);
	else if (strcasecmp(part, "minute") == 0)
		buf_printf(out, "%02u", c.min);
	else if (strcasecmp(part, "second") == 0)
		buf_printf(out, "%02u", c.sec);
	else if (strcasecmp(part, "time") == 0)
		buf_printf(out, "%02u:%02u:%02u", c.hour, c.min, c.sec);
	else if (strcasecmp(part, "iso8601") == 0 && zone == 0) /* RFC 3339 §5.6 "Z" */
		buf_printf(out, "%04lld-%02u-%02uT%02u:%02u:%02uZ", y, c.month, c.day, c.hour, c.min,
		           c.sec);
	else if (strcasecmp(part, "iso8601") == 0)
		buf_printf(out, "%04lld-%02u-%02uT%02u:%02u:%02u%.3s:%.2s", y, c.month, c.day, c.hour,
		           c.min, c.sec, z, z + 3);
	else if (strcasecmp(part, "std11") == 0)
		buf_printf(out, "%s, %02u %s %04lld %02u:%02u:%02u %s", wd[c.wday], c.day,
		           mon[c.month - 1], y, c.hour, c.min, c.sec, z);
	else if (strcasecmp(part, "zone") == 0)
		buf_append_str(out, z);
	else if (strcasecmp(part, "weekday") == 0)
		buf_printf(out, "%u", c.wday);
}

/* The zone to show the date in; *orig is the written one. */
static int pick_zone(struct sieve_run *r, const struct sieve_node *n, int orig, int *zone)
{
	char *z;

	*zone = r->env->tz_minutes;
	if (n->flags & SIEVE_F_ORIGZONE)
		*zone = orig;
	if (n->tag[SIEVE_S_ZONE].n == 0)
		return 0;
	if ((z = sieve_expand_dup(r, &n->tag[SIEVE_S_ZONE].v[0])) == NULL)
		return -1;
	if (sieve_zone_valid(z, strlen(z)))
		*zone = sieve_zone_parse(z, strlen(z));
	free(z);
	return 0;
}

int sieve_test_date(struct sieve_run *r, const struct sieve_node *n)
{
	const struct sieve_strlist *partl = &n->pos[n->id == SIEVE_T_DATE ? 1 : 0];
	const struct sieve_strlist *keys = &n->pos[n->id == SIEVE_T_DATE ? 2 : 1];
	struct sieve_vals raw = {0}, vals = {0};
	char *part = sieve_expand_dup(r, &partl->v[0]), *hname = NULL;
	int rc = part == NULL ? -1 : 0, zone;
	struct buf b;

	if (rc == 0 && !sieve_datepart_valid(part, strlen(part)))
		rc = sieve_rt_error(r, "unknown date part \"%s\"", part);
	if (rc == 0 && n->id == SIEVE_T_DATE) {
		if ((hname = sieve_expand_dup(r, &n->pos[0].v[0])) == NULL ||
		    sieve_header_values(r, n, hname, false, &raw) < 0)
			rc = -1;
	}
	buf_init(&b, 0);
	if (rc == 0 && n->id == SIEVE_T_CURRENTDATE) {
		if ((rc = pick_zone(r, n, 0, &zone)) == 0) {
			date_part(part, r->env->now, zone, &b);
			sieve_vals_push(&vals, b.data, b.len);
		}
	}
	/* Without :index only the first occurrence counts (as Pigeonhole). */
	if (!(n->nums_set & (1u << SIEVE_N_INDEX)) && raw.n > 1) {
		for (unsigned i = 1; i < raw.n; i++)
			free(raw.v[i].p);
		raw.n = 1;
	}
	for (unsigned i = 0; rc == 0 && i < raw.n; i++) {
		int64_t t;
		if (msgsum_date_parse((const uint8_t *)raw.v[i].p, raw.v[i].len, &t) < 0)
			continue;
		if ((rc = pick_zone(r, n, written_zone(raw.v[i].p), &zone)) < 0)
			break;
		buf_reset(&b);
		date_part(part, t, zone, &b);
		sieve_vals_push(&vals, b.data, b.len);
	}
	if (rc == 0)
		rc = sieve_match_keys(r, n, &vals, keys);
	buf_free(&b);
	free(part);
	free(hname);
	sieve_vals_free(&raw);
	sieve_vals_free(&vals);
	return rc;
}
