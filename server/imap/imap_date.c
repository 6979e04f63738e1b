/* SPDX-License-Identifier: ISC */
/* Parsing of IMAP date and date-time strings (RFC 9051 section 9) into day
 * numbers and epoch seconds, without the C library's time zone state. */
#include "config.h"

#include <stdbool.h>
#include <strings.h>

#include "imap_date.h"
#include "util.h"

static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int32_t imap_days_from_civil(int year, unsigned month, unsigned day)
{
	return (int32_t)days_from_civil(year, month, day);
}

static unsigned days_in_month(int year, unsigned month)
{
	static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return dim[month - 1] + (month == 2 && leap);
}

/* Reads exactly n digits (n <= 4). */
static int digits(const uint8_t **pp, const uint8_t *end, unsigned n, unsigned *v_r)
{
	unsigned v = 0;

	if ((size_t)(end - *pp) < n)
		return -1;
	for (unsigned i = 0; i < n; i++) {
		uint8_t c = (*pp)[i];
		if (c < '0' || c > '9')
			return -1;
		v = v * 10 + (unsigned)(c - '0');
	}
	*pp += n;
	*v_r = v;
	return 0;
}

/* date-month "-" date-year, then checks day against the month. */
static int month_year(const uint8_t **pp, const uint8_t *end, unsigned day, int32_t *days_r)
{
	const uint8_t *s = *pp;
	unsigned month = 0, year;

	if (end - s < 4 || s[3] != '-')
		return -1;
	for (unsigned i = 0; i < 12; i++)
		if (strncasecmp((const char *)s, months[i], 3) == 0)
			month = i + 1;
	s += 4;
	if (month == 0 || digits(&s, end, 4, &year) < 0)
		return -1;
	if (day < 1 || day > days_in_month((int)year, month))
		return -1;
	*pp = s;
	*days_r = imap_days_from_civil((int)year, month, day);
	return 0;
}

/* date-text = date-day "-" date-month "-" date-year; date-day = 1*2DIGIT */
int imap_date_parse(struct slice str, int32_t *days_r)
{
	const uint8_t *s = str.p, *end = str.p + str.len;
	unsigned day;

	if (digits(&s, end, 2, &day) < 0) {
		s = str.p;
		if (digits(&s, end, 1, &day) < 0)
			return -1;
	}
	if (s == end || *s++ != '-')
		return -1;
	if (month_year(&s, end, day, days_r) < 0 || s != end)
		return -1;
	return 0;
}

/* time = 2DIGIT ":" 2DIGIT ":" 2DIGIT; zone = ("+" / "-") 4DIGIT */
static int time_zone(const uint8_t *s, const uint8_t *end, int64_t *secs_r, int *tz_r)
{
	unsigned h, m, sec, zh, zm;
	int sign;

	if (digits(&s, end, 2, &h) < 0 || s == end || *s++ != ':' || digits(&s, end, 2, &m) < 0 ||
	    s == end || *s++ != ':' || digits(&s, end, 2, &sec) < 0 || s == end || *s++ != ' ' ||
	    s == end)
		return -1;
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (digits(&s, end, 2, &zh) < 0 || digits(&s, end, 2, &zm) < 0 || s != end)
		return -1;
	if (h > 23 || m > 59 || sec > 60 || zm > 59)
		return -1;
	*secs_r = (int64_t)h * 3600 + m * 60 + sec;
	*tz_r = sign * (int)(zh * 60 + zm);
	return 0;
}

/* date-time = DQUOTE date-day-fixed "-" date-month "-" date-year SP time SP
 * zone DQUOTE; date-day-fixed = (SP DIGIT) / 2DIGIT */
int imap_datetime_parse(struct slice str, int64_t *time_r, int *tz_min_r)
{
	const uint8_t *s = str.p, *end = str.p + str.len;
	unsigned day;
	int32_t days;
	int64_t secs;

	if (str.len > 0 && s[0] == ' ')
		s++;
	if (digits(&s, end, (unsigned)(2 - (s != str.p)), &day) < 0)
		return -1;
	if (s == end || *s++ != '-' || month_year(&s, end, day, &days) < 0)
		return -1;
	if (s == end || *s++ != ' ' || time_zone(s, end, &secs, tz_min_r) < 0)
		return -1;
	*time_r = (int64_t)days * 86400 + secs - (int64_t)*tz_min_r * 60;
	return 0;
}
