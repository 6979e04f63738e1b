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

static const char *ctl_whitelist_configured(const struct config *cfg)
{
	return cfg->whitelist;
}

static void *ctl_whitelist_load(const char *path, char *err, size_t errsz)
{
	return whitelist_load(path, err, errsz);
}

static void ctl_whitelist_release(void *obj)
{
	struct whitelist *wl = obj;

	whitelist_unref(&wl);
}

static const struct ctl_trust_kind ctl_whitelist_kind = {"whitelist", ctl_whitelist_configured,
                                                         ctl_whitelist_load, ctl_whitelist_release};

int ctl_whitelist_validate(struct ctl *ctl, const char *path)
{
	return ctl_trust_validate(ctl, &ctl_whitelist_kind, path);
}

int ctl_whitelist_check(struct ctl *ctl, const struct ctl_args *args)
{
	const char *path;
	struct whitelist *wl =
	    ctl_trust_open(ctl, &ctl_whitelist_kind, args->npos > 0 ? args->pos[0] : NULL, &path);

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
	const char *path;
	struct whitelist *wl =
	    ctl_trust_open(ctl, &ctl_whitelist_kind, ctl_arg(args, "file"), &path);
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
