/* SPDX-License-Identifier: ISC */
/* IMAP dates: "1-Feb-1994" (RFC 9051 section 9, date, used by SEARCH) and
 * "17-Jul-1996 02:44:25 -0700" (date-time, used by APPEND). */
#ifndef BALISE_IMAP_DATE_H
#define BALISE_IMAP_DATE_H

#include <stdint.h>

#include "buf.h"

/* date-text (without quotes) to days since 1970-01-01; -1 if malformed. */
int imap_date_parse(struct slice s, int32_t *days_r);
/* date-time (without quotes) to seconds since the epoch (UTC) and the zone
 * offset in minutes east of UTC; -1 if malformed. */
int imap_datetime_parse(struct slice s, int64_t *time_r, int *tz_min_r);
/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
int32_t imap_days_from_civil(int year, unsigned month, unsigned day);

#endif
