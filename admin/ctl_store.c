/* SPDX-License-Identifier: ISC */
/* balisectl store info|check: the LMDB environment's size and a consistency
 * check of everything in it (counters, reference counts, quotas, indexes). */
#include "config.h"

#include <string.h>

#include "ctl.h"
#include "ctl_json.h"

static int ctl_store_count_bal(void *arg, const struct store_bal *bal)
{
	(*(uint64_t *)arg)++;
	return 0;
}

static int ctl_store_count_domain(void *arg, const char *domain)
{
	(*(uint64_t *)arg)++;
	return 0;
}

static void ctl_store_info_print(const char *dir, const uint64_t v[5], bool json)
{
	static const char *const keys[] = {"map_size", "map_size_max", "used_bytes", "domains",
	                                   "bals"};
	char s[32];

	if (json) {
		struct ctl_json j;
		ctl_json_init(&j);
		ctl_json_object_begin(&j);
		ctl_json_kstr(&j, "data_dir", dir);
		for (size_t i = 0; i < 5; i++)
			ctl_json_ku64(&j, keys[i], v[i]);
		ctl_json_object_end(&j);
		ctl_json_print(&j, stdout);
		ctl_json_free(&j);
		return;
	}
	printf("data dir: %s\n", dir);
	ctl_format_size(v[0], false, s, sizeof(s));
	printf("map size: %s\n", s);
	ctl_format_size(v[1], false, s, sizeof(s));
	printf("map size max: %s\n", s);
	printf("used: %llu bytes\ndomains: %llu\nbals: %llu\n", (unsigned long long)v[2],
	       (unsigned long long)v[3], (unsigned long long)v[4]);
}

int ctl_store_info(struct ctl *ctl, const struct ctl_args *args)
{
	uint64_t v[5] = {0};
	struct store_txn *txn;
	int r;

	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	store_map_info(ctl->store, &v[0], &v[1], &v[2]);
	r = store_read_begin(ctl->store, &txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	r = store_domain_each(txn, ctl_store_count_domain, &v[3]);
	if (r >= 0)
		r = store_bal_each(txn, ctl_store_count_bal, &v[4]);
	store_read_end(&txn);
	if (r < 0)
		return ctl_fail(ctl, "%s", store_strerror(r));
	ctl_store_info_print(ctl->cfg.data_dir, v, ctl_flag(args, "json"));
	return CTL_EXIT_OK;
}

int ctl_store_check(struct ctl *ctl, const struct ctl_args *args)
{
	const char *why = NULL;
	int r;

	if (ctl_store_open(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	r = store_check(ctl->store, &why);
	if (r < 0)
		return ctl_fail(ctl, "%s: inconsistent: %s", ctl->cfg.data_dir,
		                why != NULL ? why : store_strerror(r));
	printf("store OK: %s\n", ctl->cfg.data_dir);
	return CTL_EXIT_OK;
}
