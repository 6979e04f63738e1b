/* SPDX-License-Identifier: ISC */
/* The loaded scripts of Sieve at delivery, kept between messages: loading
 * the compiled form of a 50-rule script costs about four times running it
 * (bench/RESULTS.md), so each BAL's managed and active scripts stay loaded
 * in a small direct-mapped table. An entry is used only when its stored
 * bytes are the very bytes now in the store (compared in full: no clock or
 * version can make a replaced script run). A form that does not load is
 * compiled from its text, and that result is kept too (keyed by both).
 * One mutex guards the table and is held while a cached script runs (the
 * writer thread is the only caller in balised, so it is never contended);
 * the scripts' callbacks never come back here. */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sieve_deliver_int.h"
#include "util.h"

struct sdv_slot {
	uint64_t bal_id;
	unsigned kind;
	struct buf compiled, text; /* the key: text only for a recompiled form */
	bool from_text;
	struct sieve_script *sc;
};

static struct sdv_slot g_slots[SDV_CACHE_SLOTS];
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static struct sdv_slot *slot_of(uint64_t bal_id, unsigned kind)
{
	uint64_t h = (bal_id * 2 + kind) * 0x9e3779b97f4a7c15ull;

	return &g_slots[(h >> 32) % SDV_CACHE_SLOTS];
}

static bool same(const struct buf *b, struct slice s)
{
	return b->len == s.len && (s.len == 0 || memcmp(b->data, s.p, s.len) == 0);
}

static bool slot_matches(const struct sdv_slot *e, uint64_t bal_id, unsigned kind,
                         struct slice compiled, struct slice text)
{
	return e->sc != NULL && e->bal_id == bal_id && e->kind == kind &&
	       same(&e->compiled, compiled) && (!e->from_text || same(&e->text, text));
}

static void slot_clear(struct sdv_slot *e)
{
	sieve_script_free(&e->sc);
	buf_free(&e->compiled);
	buf_free(&e->text);
	e->bal_id = 0;
}

/* The compiled form loaded, or else the text compiled; NULL with the
 * reason logged. *from_text_r: the second case. */
static struct sieve_script *script_make(uint64_t bal_id, const char *kind, struct slice compiled,
                                        struct slice text, bool *from_text_r)
{
	struct sieve_script *sc = NULL;
	struct sieve_error err;
	const char *why = NULL;

	*from_text_r = false;
	if (sieve_load(compiled.p, compiled.len, &sc, &why) == 0)
		return sc;
	*from_text_r = true;
	if (sieve_compile((const char *)text.p, text.len, NULL, &sc, &err) == 0) {
		log_info("sieve bal=%llu script=%s compiled at delivery (%s)",
		         (unsigned long long)bal_id, kind, why);
		return sc;
	}
	log_warn("sieve bal=%llu script=%s does not compile, not run: line %u: %s",
	         (unsigned long long)bal_id, kind, err.line, err.msg);
	return NULL;
}

const struct sieve_script *sdv_script_acquire(uint64_t bal_id, unsigned kind, const char *name,
                                              struct slice compiled, struct slice text,
                                              struct sdv_script_ref *ref)
{
	struct sdv_slot *e = slot_of(bal_id, kind);
	bool from_text;

	ref->owned = NULL;
	ref->locked = true;
	pthread_mutex_lock(&g_lock);
	if (slot_matches(e, bal_id, kind, compiled, text))
		return e->sc;
	ref->owned = script_make(bal_id, name, compiled, text, &from_text);
	if (ref->owned == NULL || compiled.len + (from_text ? text.len : 0) > SDV_CACHE_MAX_BYTES) {
		pthread_mutex_unlock(&g_lock);
		ref->locked = false;
		return ref->owned; /* not kept: freed on release */
	}
	slot_clear(e);
	e->bal_id = bal_id;
	e->kind = kind;
	e->from_text = from_text;
	buf_init(&e->compiled, 0);
	buf_init(&e->text, 0);
	buf_append(&e->compiled, compiled.p, compiled.len);
	if (from_text)
		buf_append(&e->text, text.p, text.len);
	e->sc = ref->owned;
	ref->owned = NULL;
	return e->sc;
}

void sdv_script_release(struct sdv_script_ref *ref)
{
	if (ref->locked)
		pthread_mutex_unlock(&g_lock);
	ref->locked = false;
	sieve_script_free(&ref->owned);
}

void sieve_deliver_cache_free(void)
{
	pthread_mutex_lock(&g_lock);
	for (size_t i = 0; i < SDV_CACHE_SLOTS; i++)
		slot_clear(&g_slots[i]);
	pthread_mutex_unlock(&g_lock);
}
