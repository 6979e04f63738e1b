/* SPDX-License-Identifier: ISC */
/* Test-only: linked into balised_alerts, a balised whose quota alert
 * builder is set before main() runs, so that the e2e tests see alerts
 * before the French builder of common/ is wired into balised.c (once it is,
 * main() sets that one and the tests check it instead). The text is a
 * fixed test text; the headers are those every alert must carry. */
#include "config.h"

#include <inttypes.h>

#include "quota_alert.h"

static int test_alert_build(const struct quota_alert_info *a, struct buf *out)
{
	return buf_printf(out,
	                  "From: <%s>\r\n"
	                  "To: <%s>\r\n"
	                  "Subject: test quota alert %u\r\n"
	                  "Message-ID: <%s@%s>\r\n"
	                  "Auto-Submitted: auto-generated\r\n"
	                  "MIME-Version: 1.0\r\n"
	                  "Content-Type: text/plain; charset=us-ascii\r\n"
	                  "\r\n"
	                  "level=%u percent=%u refused=%d bytes=%" PRIu64 "/%" PRIu64
	                  " messages=%" PRIu64 "/%" PRIu64 "\r\n",
	                  a->postmaster, a->bal, a->level, a->id, a->host, a->level, a->percent,
	                  a->refused, a->used_bytes, a->quota_bytes, a->used_messages,
	                  a->quota_messages);
}

__attribute__((constructor)) static void test_alert_install(void)
{
	quota_alert_set_builder(test_alert_build);
}
