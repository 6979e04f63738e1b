/* SPDX-License-Identifier: ISC */
/* balisectl config check: the configuration file through cfg_load (the same
 * code balised runs), then the files it names; the whitelist is parsed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_json.h"
#include "util.h"

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
