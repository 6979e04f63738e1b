/* SPDX-License-Identifier: ISC */
/* The [trust] files balisectl reads (the ANS whitelist, the Annuaire
 * extraction): the FILE named on the command line, else the configured
 * one, loaded through the same loader balised uses. */
#include "config.h"

#include <stdio.h>

#include "ctl.h"

#define CTL_TRUST_ERR_MAX 512

/* The file given, else [trust] KEY of the configuration. NULL when there
 * is none (message printed). */
static const char *ctl_trust_path(struct ctl *ctl, const struct ctl_trust_kind *k,
                                  const char *given)
{
	const char *path;

	if (given != NULL)
		return given;
	if (ctl_config_load(ctl) != CTL_EXIT_OK)
		return NULL;
	path = k->configured(&ctl->cfg);
	if (path == NULL || path[0] == '\0') {
		ctl_fail(ctl, "%s: no [trust] %s configured; name a FILE", ctl->cfg.path, k->key);
		return NULL;
	}
	return path;
}

void *ctl_trust_open(struct ctl *ctl, const struct ctl_trust_kind *k, const char *given,
                     const char **path_r)
{
	char err[CTL_TRUST_ERR_MAX];
	const char *path = ctl_trust_path(ctl, k, given);
	void *obj = path != NULL ? k->load(path, err, sizeof(err)) : NULL;

	if (path != NULL && obj == NULL)
		ctl_fail(ctl, "%s", err);
	*path_r = path;
	return obj;
}

int ctl_trust_validate(struct ctl *ctl, const struct ctl_trust_kind *k, const char *path)
{
	char err[CTL_TRUST_ERR_MAX];
	void *obj = k->load(path, err, sizeof(err));

	if (obj == NULL) {
		ctl_fail(ctl, "[trust] %s: %s", k->key, err);
		return 1;
	}
	k->release(obj);
	return 0;
}
