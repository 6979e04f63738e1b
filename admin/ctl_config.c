/* SPDX-License-Identifier: ISC */
/* balisectl config check: the configuration file through cfg_load (the same
 * code balised runs), then the files it names; the whitelist is parsed.
 * Then warnings about settings that run but lose mail. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crl.h"
#include "ctl.h"
#include "ctl_json.h"
#include "util.h"
#include "whitelist.h"

/* A file the configuration names: must exist, be a regular file and be
 * readable. Returns 1 (and prints) when there is a problem. */
static int ctl_config_file(struct ctl *ctl, const char *section, const char *key, const char *path)
{
	struct stat st;
	int fd;

	if (path == NULL || path[0] == '\0')
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		ctl_fail(ctl, "[%s] %s: %s: %s", section, key, path, strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		ctl_fail(ctl, "[%s] %s: %s: not a regular file", section, key, path);
		return 1;
	}
	close(fd);
	return 0;
}

/* data_dir may be missing (the store creates it) but not something else. */
static int ctl_config_data_dir(struct ctl *ctl, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		ctl_fail(ctl, "[server] data_dir: %s: %s", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		ctl_fail(ctl, "[server] data_dir: %s: not a directory", path);
		return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- warnings */

/* What the store says about the warnings below. */
struct ctl_config_store {
	bool read;           /* the store exists and was read */
	bool postmaster_dom; /* the postmaster's domain is served here */
	size_t per_bals;
};

static int ctl_config_count_per(void *arg, const struct store_bal *bal)
{
	struct ctl_config_store *st = arg;

	if (bal->type == BAL_PER)
		st->per_bals++;
	return 0;
}

/* Reads the store when it exists (config check creates nothing). */
static void ctl_config_store_read(struct ctl *ctl, const char *pm_domain,
                                  struct ctl_config_store *st)
{
	char path[4096];
	struct store_txn *txn;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/data.mdb", ctl->cfg.data_dir);
	if (stat(path, &sb) < 0 || ctl_store_open(ctl) != CTL_EXIT_OK ||
	    store_read_begin(ctl->store, &txn) < 0)
		return;
	st->postmaster_dom = pm_domain != NULL && store_domain_exists(txn, pm_domain) == 1;
	st->read = store_bal_each(txn, ctl_config_count_per, st) >= 0;
	store_read_end(&txn);
}

/* Whether the whitelist lists domain (false without a usable whitelist). */
static bool ctl_config_listed(const char *wl_path, const char *domain)
{
	char err[WHITELIST_ERR_MAX];
	const struct whitelist_entry *e;
	struct whitelist *wl;
	bool listed;

	if (wl_path == NULL || wl_path[0] == '\0' ||
	    (wl = whitelist_load(wl_path, err, sizeof(err))) == NULL)
		return false;
	listed = whitelist_domain_entries(wl, domain, &e) > 0;
	whitelist_unref(&wl);
	return listed;
}

/* A [tls] crl stale or close to it (balised logs the same daily). */
static void ctl_config_crl(struct ctl *ctl)
{
	const struct config *c = &ctl->cfg;
	char err[CRL_ERR_MAX], when[32];
	int64_t next = 0;

	if (c->tls_crl == NULL || c->tls_crl[0] == '\0' ||
	    crl_next_update(c->tls_crl, &next, err, sizeof(err)) != 1)
		return;
	crl_time_format(next, when, sizeof(when));
	switch (crl_freshness(next, time_now(), c->tls_crl_warn)) {
	case CRL_STALE:
		ctl_warn(ctl,
		         "[tls] crl %s: stale since %s: balised answers every inbound peer "
		         "454 4.7.0 until a fresh CRL is installed",
		         c->tls_crl, when);
		break;
	case CRL_SOON:
		ctl_warn(ctl, "[tls] crl %s: nextUpdate %s is within [tls] crl_warn", c->tls_crl,
		         when);
		break;
	case CRL_FRESH:
		break;
	}
}

/* Settings balised runs with but that lose mail: printed, not counted as
 * problems (exit 0). */
static void ctl_config_warnings(struct ctl *ctl)
{
	const struct config *c = &ctl->cfg;
	const char *at = c->postmaster != NULL ? strrchr(c->postmaster, '@') : NULL;
	struct ctl_config_store st = {0};

	ctl_config_store_read(ctl, at != NULL ? at + 1 : NULL, &st);
	if (at != NULL && !st.postmaster_dom && !ctl_config_listed(c->whitelist, at + 1))
		ctl_warn(ctl,
		         "[server] postmaster %s: the domain %s is neither served here nor in the "
		         "whitelist; other operators will refuse the reports signed with it",
		         c->postmaster, at + 1);
	ctl_config_crl(ctl);
	if (st.read && st.per_bals > 0 && (c->annuaire == NULL || c->annuaire[0] == '\0'))
		ctl_warn(ctl,
		         "[trust] annuaire is not set while %zu PER BAL%s exist%s: every forward "
		         "to a remote address will be refused (RE_GBM_4480)",
		         st.per_bals, st.per_bals > 1 ? "s" : "", st.per_bals > 1 ? "" : "s");
}

int ctl_config_check(struct ctl *ctl, const struct ctl_args *args)
{
	const struct config *c = &ctl->cfg;
	int problems = 0;

	if (ctl_config_load(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	problems += ctl_config_data_dir(ctl, c->data_dir);
	problems += ctl_config_file(ctl, "tls", "cert", c->tls_cert);
	problems += ctl_config_file(ctl, "tls", "key", c->tls_key);
	problems += ctl_config_file(ctl, "tls", "ca", c->tls_ca);
	problems += ctl_config_file(ctl, "tls", "crl", c->tls_crl);
	if (ctl_config_file(ctl, "trust", "whitelist", c->whitelist) != 0)
		problems++;
	else if (c->whitelist != NULL && c->whitelist[0] != '\0')
		problems += ctl_whitelist_validate(ctl, c->whitelist);
	if (ctl_config_file(ctl, "trust", "annuaire", c->annuaire) != 0)
		problems++;
	else if (c->annuaire != NULL && c->annuaire[0] != '\0')
		problems += ctl_annuaire_validate(ctl, c->annuaire);
	if (problems > 0)
		return ctl_fail(ctl, "%s: %d problem%s", c->path, problems,
		                problems > 1 ? "s" : "");
	ctl_config_warnings(ctl);
	printf("configuration OK: %s\n", c->path);
	return CTL_EXIT_OK;
}

static const char *ctl_config_type_name(enum cfg_type t)
{
	static const char *const names[] = {
	    [CFG_STRING] = "string", [CFG_PATH] = "path",          [CFG_UINT] = "uint",
	    [CFG_SIZE] = "size",     [CFG_DURATION] = "duration",  [CFG_BOOL] = "bool",
	    [CFG_LISTEN] = "listen", [CFG_LOGLEVEL] = "log level", [CFG_ROUTES] = "routes",
	};

	return (size_t)t < ARRAY_LEN(names) && names[t] != NULL ? names[t] : "?";
}

/* balisectl config keys: the key table balised parses, for operators and
 * for the test that docs/configuration.md documents every key. */
int ctl_config_keys(struct ctl *ctl, const struct ctl_args *args)
{
	size_t n;
	const struct cfg_key *k = cfg_keys(&n);
	struct ctl_json j;

	(void)ctl;
	if (!ctl_flag(args, "json")) {
		for (size_t i = 0; i < n; i++)
			printf("[%s] %s (%s, default %s): %s\n", k[i].section, k[i].name,
			       ctl_config_type_name(k[i].type),
			       k[i].def == NULL ? "required"
			       : k[i].def[0]    ? k[i].def
			                        : "empty",
			       k[i].help);
		return CTL_EXIT_OK;
	}
	ctl_json_init(&j);
	ctl_json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		ctl_json_object_begin(&j);
		ctl_json_kstr(&j, "section", k[i].section);
		ctl_json_kstr(&j, "key", k[i].name);
		ctl_json_kstr(&j, "type", ctl_config_type_name(k[i].type));
		ctl_json_key(&j, "default");
		if (k[i].def == NULL)
			ctl_json_null(&j);
		else
			ctl_json_str(&j, k[i].def);
		ctl_json_kstr(&j, "help", k[i].help);
		ctl_json_object_end(&j);
	}
	ctl_json_array_end(&j);
	ctl_json_print(&j, stdout);
	ctl_json_free(&j);
	return CTL_EXIT_OK;
}
