/* SPDX-License-Identifier: ISC */
/* RFC 5256 §2.1 base subject (SORT SUBJECT, THREAD=REFERENCES): the
 * decoded subject without "Re:", "Fwd:", "[list]" leaders and "(fwd)"
 * trailers. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include "msgsum.h"

struct subj {
	const uint8_t *p;
	size_t start, end; /* the remaining text is p[start, end) */
};

static bool subj_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static bool subj_prefix(const struct subj *s, size_t at, const char *lit)
{
	size_t n = strlen(lit);
	return s->end - at >= n && strncasecmp((const char *)s->p + at, lit, n) == 0;
}

/* §2.1 (2): removes "(fwd)" trailers and trailing white space. */
static void strip_trailers(struct subj *s)
{
	for (;;) {
		if (s->end > s->start && subj_ws(s->p[s->end - 1]))
			s->end--;
		else if (s->end - s->start >= 5 &&
		         strncasecmp((const char *)s->p + s->end - 5, "(fwd)", 5) == 0)
			s->end -= 5;
		else
			return;
	}
}

/* subj-blob = "[" *BLOBCHAR "]" *WSP; its end, or 0 if none at `at`. */
static size_t blob_end(const struct subj *s, size_t at)
{
	size_t i = at + 1;

	if (at >= s->end || s->p[at] != '[')
		return 0;
	while (i < s->end && s->p[i] != '[' && s->p[i] != ']')
		i++;
	if (i >= s->end || s->p[i] != ']')
		return 0;
	for (i++; i < s->end && subj_ws(s->p[i]); i++)
		;
	return i;
}

/* subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"; its end or 0. */
static size_t refwd_end(const struct subj *s, size_t at)
{
	size_t i, b;

	if (subj_prefix(s, at, "re"))
		i = at + 2;
	else if (subj_prefix(s, at, "fwd"))
		i = at + 3;
	else if (subj_prefix(s, at, "fw"))
		i = at + 2;
	else
		return 0;
	while (i < s->end && subj_ws(s->p[i]))
		i++;
	if ((b = blob_end(s, i)) != 0)
		i = b;
	return i < s->end && s->p[i] == ':' ? i + 1 : 0;
}

/* §2.1 (3): subj-leader = (*subj-blob subj-refwd) / WSP */
static bool strip_leader(struct subj *s)
{
	size_t i = s->start, b, r;

	if (i < s->end && subj_ws(s->p[i])) {
		s->start++;
		return true;
	}
	while ((b = blob_end(s, i)) != 0)
		i = b;
	if ((r = refwd_end(s, i)) == 0)
		return false;
	s->start = r;
	return true;
}

/* §2.1 (4): a leading subj-blob goes if something is left after it. */
static bool strip_blob(struct subj *s)
{
	size_t b = blob_end(s, s->start);

	if (b == 0 || b >= s->end)
		return false;
	s->start = b;
	return true;
}

int msgsum_base_subject(struct slice subject, struct buf *out)
{
	struct buf norm;
	struct subj s;
	int r;

	/* §2.1 (1): runs of white space become one space */
	buf_init(&norm, 0);
	for (size_t i = 0; i < subject.len; i++) {
		uint8_t c = subject.p[i] == '\t' || subject.p[i] == '\r' || subject.p[i] == '\n'
		                ? ' '
		                : subject.p[i];
		if (c == ' ' && norm.len > 0 && norm.data[norm.len - 1] == ' ')
			continue;
		buf_append_u8(&norm, c);
	}
	s = (struct subj){norm.data, 0, norm.len};
	for (;;) {
		strip_trailers(&s);
		while (strip_leader(&s) || strip_blob(&s))
			;
		/* §2.1 (6): "[fwd: ...]" is unwrapped and the steps run again */
		if (s.end - s.start >= 6 && subj_prefix(&s, s.start, "[fwd:") &&
		    s.p[s.end - 1] == ']') {
			s.start += 5;
			s.end--;
			continue;
		}
		break;
	}
	r = buf_append(out, s.p != NULL ? s.p + s.start : s.p, s.end - s.start);
	buf_free(&norm);
	return r;
}
