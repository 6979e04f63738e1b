/* SPDX-License-Identifier: ISC */
/* The one place for the French texts that people read in mail: delivery
 * status notifications (success, relay, delay, failure, per RFC 3463 code)
 * and the quota alerts of EX_GBM_4470. Texts are UTF-8 with "\n" line ends;
 * the message builders (dsn.c, notice.c) encode them for the wire. Numbers,
 * sizes and dates are written the French way (tfr_format_*). */
#ifndef BALISE_TEMPLATES_FR_H
#define BALISE_TEMPLATES_FR_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* Display name of the postmaster address in every notice we send. */
#define TFR_POSTMASTER_NAME "Administrateur de la messagerie"

/* No-break space (U+00A0), between a number and its unit or "%", and
 * between groups of three digits. */
#define TFR_NBSP "\xc2\xa0"

/* Per-recipient outcome, the RFC 3464 §2.3.3 Action values. */
enum tfr_action {
	TFR_ACTION_FAILED = 0,
	TFR_ACTION_DELAYED,
	TFR_ACTION_DELIVERED,
	TFR_ACTION_RELAYED,
	TFR_ACTION_EXPANDED,
	TFR_ACTION_COUNT
};

/* The kind of a whole report, from its most serious recipient: one failure
 * makes it a non-delivery report, else one delay a delay notice. */
enum tfr_report {
	TFR_REPORT_FAILURE = 0,
	TFR_REPORT_DELAY,
	TFR_REPORT_SUCCESS, /* every recipient delivered (or expanded) */
	TFR_REPORT_RELAYED, /* no failure or delay, at least one relayed */
};

/* What the report carries of the original message (its third part). */
enum tfr_original {
	TFR_ORIG_NONE = 0, /* no original given: nothing attached */
	TFR_ORIG_HEADERS,  /* its header (RET=HDRS, or no RET) */
	TFR_ORIG_FULL,     /* the whole message (RET=FULL) */
	TFR_ORIG_TOO_BIG,  /* RET=FULL but over the size cap: header only */
	TFR_ORIG_UNSAFE,   /* RET=FULL but not 8-bit safe (NUL, long lines) */
};

/* ---------------------------------------------------------------- DSN */

/* Subject of a report (UTF-8, not yet RFC 2047 encoded). */
const char *tfr_dsn_subject(enum tfr_report k);
/* "Avis de remise", ... : the Content-Description of the text part. */
const char *tfr_dsn_title(enum tfr_report k);
/* The opening of the text part: greeting, who writes, what happened. */
int tfr_dsn_intro(enum tfr_report k, const char *reporting_host, struct buf *out);
/* Heading of the list of recipients that share one action. */
const char *tfr_action_heading(enum tfr_action a);
/* Outcome sentence for a recipient whose action is not failed/delayed. */
const char *tfr_action_text(enum tfr_action a);
/* Reason for an RFC 3463 enhanced status code "C.S.D": the exact code if
 * known (5.1.1, 5.2.1, 5.2.2, 5.3.4, 5.7.1, 4.4.7/5.4.7, 5.4.4, ...), else
 * the code's class and subject, else its class. Never NULL. */
const char *tfr_status_text(const char *status);
/* Labels of the per-recipient lines of the text part. */
#define TFR_LABEL_REASON "Motif"
#define TFR_LABEL_RESULT "Résultat"
#define TFR_LABEL_ORCPT "Adresse d'origine"
#define TFR_LABEL_REMOTE "Réponse du serveur"
#define TFR_LABEL_LAST_ATTEMPT "Dernière tentative"
#define TFR_LABEL_RETRY_UNTIL "Nouvelles tentatives jusqu'au"
#define TFR_LABEL_CODE "code"
/* Lines that recall the original message (its subject and arrival). */
int tfr_dsn_original_info(const char *subject_utf8, int64_t arrival, struct buf *out);
/* The paragraph on what is attached (enum tfr_original), size in bytes. */
int tfr_dsn_attachment_note(enum tfr_original o, uint64_t size, uint64_t cap, struct buf *out);
/* The closing lines of every notice (automatic message, signature). */
int tfr_closing(struct buf *out);
/* Preamble of a multipart body, for readers that do not know MIME. */
const char *tfr_mime_preamble(void);

/* -------------------------------------------------------- quota alerts */

/* Alert levels of EX_GBM_4470, in percent of the quota. */
#define TFR_QUOTA_LEVEL_80 80
#define TFR_QUOTA_LEVEL_90 90
#define TFR_QUOTA_LEVEL_FULL 100

/* Subject and body of the alert for level (80, 90 or 100) of the BAL
 * address bal, with usage and quota in bytes. -1 on a level other than
 * these three or past out's limit. */
const char *tfr_quota_subject(int level);
int tfr_quota_body(int level, const char *bal, uint64_t used, uint64_t quota, struct buf *out);

/* ----------------------------------------------------- French formats */

/* 1234567 -> "1 234 567" (no-break spaces between groups). */
int tfr_format_uint(uint64_t v, struct buf *out);
/* Bytes in human units, powers of 1024 with the French symbols: "0 octet",
 * "512 octets", "12,5 Ko", "1,5 Go", "250 Mo". One decimal below 100. */
int tfr_format_size(uint64_t bytes, struct buf *out);
/* used/quota as "82 %" (floor; "100 %" only when used >= quota). */
int tfr_format_percent(uint64_t used, uint64_t quota, struct buf *out);
/* Unix time as Paris wall-clock time (the EU summer-time rule, computed,
 * no tz database): "mardi 1er décembre 2026 à 15:55 (heure de Paris)". */
int tfr_format_date(int64_t t, struct buf *out);
/* Seconds east of UTC of Paris time at t: 3600, or 7200 in summer time
 * (the same rule; Sieve date tests at delivery use it as the local zone). */
int tfr_paris_offset(int64_t t);

/* ------------------------------------------- BAL lifecycle (EX_GBM_6021, CNIL) */

/* Acknowledgement of a deletion request (EX_GBM_6021) for the BAL address
 * bal: request number id, recorded at created. The requester's reason is
 * not repeated (it may hold anything). */
const char *tfr_delreq_ack_subject(void);
int tfr_delreq_ack_body(const char *bal, uint64_t id, int64_t created, struct buf *out);

/* Inactivity notice (CNIL): the BAL has had no login since last (0: never
 * since its creation); action is 0 none (a reminder only), 1 suspension or
 * 2 deletion, at or after when; a login before cancels it. */
#define TFR_INACT_NONE 0
#define TFR_INACT_SUSPEND 1
#define TFR_INACT_DELETE 2
const char *tfr_inactivity_subject(void);
int tfr_inactivity_body(const char *bal, int64_t last, int action, int64_t when,
                        struct buf *out);

/* ------------------------------------- Sieve redirect refusals (RE_GBM_4480) */

/* Why a redirect (Sieve, forward rule) is refused: the text shown to the
 * user at upload (ManageSieve, balisectl) and traced at delivery. */
enum tfr_redirect {
	TFR_REDIRECT_BAD_ADDRESS = 0, /* the target is no valid address */
	TFR_REDIRECT_SELF,            /* the target is the BAL itself */
	TFR_REDIRECT_UNKNOWN_LOCAL,   /* no BAL at that address here */
	TFR_REDIRECT_NOT_IN_ANNUAIRE, /* another operator's address not listed */
	TFR_REDIRECT_NO_ANNUAIRE,     /* the extraction is not configured or loaded */
	TFR_REDIRECT_NOT_PER,         /* the target is no PER BAL */
	TFR_REDIRECT_OTHER_HOLDER,    /* the target is held by another professional */
	TFR_REDIRECT_STRUCTURE_OFF,   /* ORG, CAB, APP: redirect not enabled */
	TFR_REDIRECT_OUTSIDE_TRUST,   /* ORG, CAB, APP: domain outside the trust space */
	TFR_REDIRECT_COUNT
};

/* Appends the French reason for target (any bytes: shown as given, control
 * characters replaced) and the rule it follows from: RE_GBM_4480 for a PER
 * BAL, the operator's setting for ORG, CAB and APP BALs (bal_type "ORG",
 * "CAB" or "APP"). -1 past out's limit or on an unknown reason. */
int tfr_redirect_refusal(enum tfr_redirect why, const char *target, const char *bal_type,
                         struct buf *out);

#endif
