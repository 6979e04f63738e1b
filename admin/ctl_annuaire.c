/* SPDX-License-Identifier: ISC */
/* balisectl annuaire check|show: the Annuaire Santé extraction of MSSanté
 * BALs through the loader the forwarding rule uses (common/annuaire). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "annuaire.h"
#include "ctl.h"
#include "ctl_json.h"

/* The file given, else [trust] annuaire. NULL when none (printed). */
static const char *ctl_annuaire_path(struct ctl *ctl, const char *given)
{
	if (given != NULL)
		return given;
	if (ctl_config_load(ctl) != CTL_EXIT_OK)
		return NULL;
	if (ctl->cfg.annuaire == NULL || ctl->cfg.annuaire[0] == '\0') {
		ctl_fail(ctl, "%s: no [trust] annuaire configured; name a FILE", ctl->cfg.path);
		return NULL;
	}
	return ctl->cfg.annuaire;
}

static struct annuaire *ctl_annuaire_load(struct ctl *ctl, const char *path)
{
	char err[ANNUAIRE_ERR_MAX];
	struct annuaire *a = annuaire_load(path, err, sizeof(err));

	if (a == NULL)
		ctl_fail(ctl, "%s", err);
	return a;
}

int ctl_annuaire_validate(struct ctl *ctl, const char *path)
{
	char err[ANNUAIRE_ERR_MAX];
	struct annuaire *a = annuaire_load(path, err, sizeof(err));

	if (a == NULL) {
		ctl_fail(ctl, "[trust] annuaire: %s", err);
		return 1;
	}
	annuaire_unref(&a);
	return 0;
}

int ctl_annuaire_check(struct ctl *ctl, const struct ctl_args *args)
{
	const char *path = ctl_annuaire_path(ctl, args->npos > 0 ? args->pos[0] : NULL);
	struct annuaire *a = path != NULL ? ctl_annuaire_load(ctl, path) : NULL;

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
	const char *path = ctl_annuaire_path(ctl, ctl_arg(args, "file"));
	struct annuaire *a = path != NULL ? ctl_annuaire_load(ctl, path) : NULL;
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
