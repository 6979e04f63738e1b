/* SPDX-License-Identifier: ISC */
/* balisectl annuaire check|show: the Annuaire Santé extraction of MSSanté
 * BALs through the loader the forwarding rule uses (common/annuaire). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "annuaire.h"
#include "ctl.h"
#include "ctl_json.h"

static const char *ctl_annuaire_configured(const struct config *cfg)
{
	return cfg->annuaire;
}

static void *ctl_annuaire_load(const char *path, char *err, size_t errsz)
{
	return annuaire_load(path, err, errsz);
}

static void ctl_annuaire_release(void *obj)
{
	struct annuaire *a = obj;

	annuaire_unref(&a);
}

static const struct ctl_trust_kind ctl_annuaire_kind = {"annuaire", ctl_annuaire_configured,
                                                        ctl_annuaire_load, ctl_annuaire_release};

int ctl_annuaire_validate(struct ctl *ctl, const char *path)
{
	return ctl_trust_validate(ctl, &ctl_annuaire_kind, path);
}

int ctl_annuaire_check(struct ctl *ctl, const struct ctl_args *args)
{
	const char *path;
	struct annuaire *a =
	    ctl_trust_open(ctl, &ctl_annuaire_kind, args->npos > 0 ? args->pos[0] : NULL, &path);

	if (a == NULL)
		return CTL_EXIT_REFUSED;
	if (ctl_flag(args, "json")) {
		struct ctl_json j;
		ctl_json_init(&j);
		ctl_json_object_begin(&j);
		ctl_json_kstr(&j, "path", path);
		ctl_json_ku64(&j, "lines", annuaire_entry_count(a));
		ctl_json_ku64(&j, "addresses", annuaire_address_count(a));
		for (int t = ANNUAIRE_OTHER; t <= ANNUAIRE_APP; t++)
			ctl_json_ku64(&j, annuaire_type_name((enum annuaire_type)t),
			              annuaire_type_count(a, (enum annuaire_type)t));
		ctl_json_object_end(&j);
		ctl_json_print(&j, stdout);
		ctl_json_free(&j);
	} else {
		printf("annuaire OK: %s: %zu BAL lines, %zu addresses (PER %zu, ORG %zu, CAB %zu, "
		       "APP %zu, other %zu)\n",
		       path, annuaire_entry_count(a), annuaire_address_count(a),
		       annuaire_type_count(a, ANNUAIRE_PER), annuaire_type_count(a, ANNUAIRE_ORG),
		       annuaire_type_count(a, ANNUAIRE_CAB), annuaire_type_count(a, ANNUAIRE_APP),
		       annuaire_type_count(a, ANNUAIRE_OTHER));
	}
	annuaire_unref(&a);
	return CTL_EXIT_OK;
}

int ctl_annuaire_show(struct ctl *ctl, const struct ctl_args *args)
{
	const char *path;
	struct annuaire *a = ctl_trust_open(ctl, &ctl_annuaire_kind, ctl_arg(args, "file"), &path);
	const struct annuaire_entry *e;
	size_t n;

	if (a == NULL)
		return CTL_EXIT_REFUSED;
	n = annuaire_lookup(a, args->pos[0], &e);
	if (n == 0) {
		annuaire_unref(&a);
		return ctl_fail(ctl, "%s: not in the annuaire %s", args->pos[0], path);
	}
	if (ctl_flag(args, "json")) {
		struct ctl_json j;
		ctl_json_init(&j);
		ctl_json_array_begin(&j);
		for (size_t i = 0; i < n; i++) {
			ctl_json_object_begin(&j);
			ctl_json_kstr(&j, "address", e[i].address);
			ctl_json_kstr(&j, "type", annuaire_type_name(e[i].type));
			ctl_json_kstr(&j, "holder", e[i].idnat);
			ctl_json_kstr(&j, "structure", e[i].structure);
			ctl_json_ku64(&j, "line", e[i].line);
			ctl_json_object_end(&j);
		}
		ctl_json_array_end(&j);
		ctl_json_print(&j, stdout);
		ctl_json_free(&j);
	} else {
		for (size_t i = 0; i < n; i++)
			printf("%s  type %s  holder %s  structure %s  (line %u)\n", e[i].address,
			       annuaire_type_name(e[i].type), e[i].idnat[0] ? e[i].idnat : "-",
			       e[i].structure[0] ? e[i].structure : "-", e[i].line);
	}
	annuaire_unref(&a);
	return CTL_EXIT_OK;
}
