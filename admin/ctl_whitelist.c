/* SPDX-License-Identifier: ISC */
/* balisectl whitelist check|show: the ANS trust-space whitelist through the
 * same loader balised uses (common/whitelist), and its check for
 * "config check". */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ctl.h"
#include "ctl_json.h"
#include "dn.h"
#include "whitelist.h"

/* The file to read: the one given, else [trust] whitelist of the
 * configuration. NULL when there is none (message printed). */
static const char *ctl_whitelist_path(struct ctl *ctl, const char *given)
{
	if (given != NULL)
		return given;
	if (ctl_config_load(ctl) != CTL_EXIT_OK)
		return NULL;
	if (ctl->cfg.whitelist == NULL || ctl->cfg.whitelist[0] == '\0') {
		ctl_fail(ctl, "%s: no [trust] whitelist configured; name a FILE", ctl->cfg.path);
		return NULL;
	}
	return ctl->cfg.whitelist;
}

static struct whitelist *ctl_whitelist_load(struct ctl *ctl, const char *path)
{
	char err[WHITELIST_ERR_MAX];
	struct whitelist *wl = whitelist_load(path, err, sizeof(err));

	if (wl == NULL)
		ctl_fail(ctl, "%s", err);
	return wl;
}

int ctl_whitelist_validate(struct ctl *ctl, const char *path)
{
	char err[WHITELIST_ERR_MAX];
	struct whitelist *wl = whitelist_load(path, err, sizeof(err));

	if (wl == NULL) {
		ctl_fail(ctl, "[trust] whitelist: %s", err);
		return 1;
	}
	whitelist_unref(&wl);
	return 0;
}

int ctl_whitelist_check(struct ctl *ctl, const struct ctl_args *args)
{
	const char *path = ctl_whitelist_path(ctl, args->npos > 0 ? args->pos[0] : NULL);
	struct whitelist *wl = path != NULL ? ctl_whitelist_load(ctl, path) : NULL;

	if (wl == NULL)
		return CTL_EXIT_REFUSED;
	if (ctl_flag(args, "json")) {
		struct ctl_json j;
		ctl_json_init(&j);
		ctl_json_object_begin(&j);
		ctl_json_kstr(&j, "path", path);
		ctl_json_kstr(&j, "generated", whitelist_generated(wl));
		ctl_json_ku64(&j, "entries", whitelist_entry_count(wl));
		ctl_json_ku64(&j, "domains", whitelist_domain_count(wl));
		ctl_json_ku64(&j, "operators", whitelist_operator_count(wl));
		ctl_json_object_end(&j);
		ctl_json_print(&j, stdout);
		ctl_json_free(&j);
	} else {
		printf("whitelist OK: %s: %zu entries, %zu domains, %zu operator certificates",
		       path, whitelist_entry_count(wl), whitelist_domain_count(wl),
		       whitelist_operator_count(wl));
		if (whitelist_generated(wl)[0] != '\0') {
			fputs(" (generated ", stdout);
			ctl_print_text(stdout, whitelist_generated(wl), 0);
			putchar(')');
		}
		putchar('\n');
	}
	whitelist_unref(&wl);
	return CTL_EXIT_OK;
}

static void ctl_whitelist_show_json(const char *path, const struct whitelist_entry *e, size_t n)
{
	struct ctl_json j;

	ctl_json_init(&j);
	ctl_json_object_begin(&j);
	ctl_json_kstr(&j, "domain", e[0].domain);
	ctl_json_kstr(&j, "path", path);
	ctl_json_key(&j, "operators");
	ctl_json_array_begin(&j);
	for (size_t i = 0; i < n; i++) {
		ctl_json_object_begin(&j);
		ctl_json_kstr(&j, "dn", e[i].op->dn);
		ctl_json_kstr(&j, "dn_key", e[i].op->key);
		ctl_json_kstr(&j, "description", e[i].description);
		ctl_json_ku64(&j, "line", e[i].line);
		ctl_json_ku64(&j, "domains", e[i].op->n_domains);
		ctl_json_object_end(&j);
	}
	ctl_json_array_end(&j);
	ctl_json_object_end(&j);
	ctl_json_print(&j, stdout);
	ctl_json_free(&j);
}

/* --cert PEM: whether that certificate's subject may speak for domain, as
 * the SMTP server decides it. Exit 0 allowed, 1 not. */
static int ctl_whitelist_cert(struct ctl *ctl, const struct whitelist *wl, const char *pem,
                              const char *domain)
{
	char key[DN_KEY_MAX];
	const char *why = NULL;
	FILE *f = fopen(pem, "r");
	X509 *x = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
	int r;

	if (f == NULL)
		return ctl_fail(ctl, "--cert %s: %s", pem, strerror(errno));
	fclose(f);
	if (x == NULL)
		return ctl_fail(ctl, "--cert %s: no PEM certificate in it", pem);
	r = dn_from_x509_name(X509_get_subject_name(x), key, sizeof(key), &why);
	X509_free(x);
	if (r < 0)
		return ctl_fail(ctl, "--cert %s: subject: %s", pem, why);
	if (!whitelist_dn_allowed(wl, key, domain))
		return ctl_fail(ctl, "--cert %s: subject %s is not allowed for %s", pem, key,
		                domain);
	printf("certificate %s: subject allowed for %s\n", pem, domain);
	return CTL_EXIT_OK;
}

int ctl_whitelist_show(struct ctl *ctl, const struct ctl_args *args)
{
	const char *path = ctl_whitelist_path(ctl, ctl_arg(args, "file"));
	struct whitelist *wl = path != NULL ? ctl_whitelist_load(ctl, path) : NULL;
	const struct whitelist_entry *e;
	size_t n;

	if (wl == NULL)
		return CTL_EXIT_REFUSED;
	n = whitelist_domain_entries(wl, args->pos[0], &e);
	if (n == 0) {
		whitelist_unref(&wl);
		return ctl_fail(ctl, "%s: not in the whitelist %s", args->pos[0], path);
	}
	if (ctl_arg(args, "cert") != NULL) {
		int r = ctl_whitelist_cert(ctl, wl, ctl_arg(args, "cert"), args->pos[0]);
		whitelist_unref(&wl);
		return r;
	}
	if (ctl_flag(args, "json")) {
		ctl_whitelist_show_json(path, e, n);
	} else {
		for (size_t i = 0; i < n; i++) {
			ctl_print_text(stdout, e[i].op->dn, 0);
			putchar('\n');
		}
	}
	whitelist_unref(&wl);
	return CTL_EXIT_OK;
}
