/* SPDX-License-Identifier: ISC */
/* Argument parsing for balisectl verbs: "--name value", "--name=value",
 * positional arguments, arity, and the generic checks of the command table. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "util.h"

static int ctl_args_find(const struct ctl_opt *opts, const char *name, size_t len)
{
	for (int i = 0; opts != NULL && opts[i].name != NULL; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return i;
	return -1;
}

static void ctl_print_help(const struct ctl_cmd *cmd)
{
	ctl_print_usage(stdout, cmd);
	putchar('\n');
	ctl_print_wrapped(stdout, cmd->summary, 0, 0);
	if (cmd->help != NULL)
		printf("\n%s", cmd->help);
}

/* One "--name[=value]" at argv[*i]; advances *i past a separate value. */
static int ctl_args_option(struct ctl *ctl, int argc, char **argv, int *i, struct ctl_args *args)
{
	const char *name = argv[*i] + 2, *eq = strchr(name, '='), *val = NULL;
	size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
	int k = ctl_args_find(args->opts, name, len);

	if (k < 0)
		return ctl_usage(ctl, "unknown option --%.*s", (int)len, name);
	const struct ctl_opt *o = &args->opts[k];
	if (o->flags & CTL_OPT_REFUSED)
		return ctl_usage(ctl, "--%s: %s", o->name, o->note);
	if (o->flags & CTL_OPT_ARG) {
		if (eq != NULL)
			val = eq + 1;
		else if (*i + 1 < argc)
			val = argv[++*i];
		else
			return ctl_usage(ctl, "--%s: missing value", o->name);
	} else if (eq != NULL) {
		return ctl_usage(ctl, "--%s takes no value", o->name);
	}
	if (args->count[k] > 0 && !(o->flags & CTL_OPT_MULTI))
		return ctl_usage(ctl, "--%s given twice", o->name);
	if (args->count[k] >= CTL_MULTI_MAX - 1)
		return ctl_usage(ctl, "--%s given more than %d times", o->name, CTL_MULTI_MAX - 1);
	args->val[k][args->count[k]++] = val;
	return CTL_EXIT_OK;
}

static int ctl_args_positional(struct ctl *ctl, const char *arg, struct ctl_args *args)
{
	const struct ctl_cmd *cmd = ctl->cmd;

	if (args->npos >= cmd->pos_max || args->npos >= CTL_POS_MAX) {
		if (cmd->pos_max == 0)
			return ctl_usage(ctl, "unexpected argument \"%s\"", arg);
		return ctl_usage(ctl, "unexpected extra argument \"%s\"", arg);
	}
	args->pos[args->npos++] = arg;
	return CTL_EXIT_OK;
}

/* One argument at argv[*i] before any "--". */
static int ctl_args_one(struct ctl *ctl, int argc, char **argv, int *i, struct ctl_args *args)
{
	const char *a = argv[*i];

	if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
		/* the global option, also accepted after the verb */
		if (++*i >= argc)
			return ctl_usage(ctl, "%s: missing file name", a);
		ctl->conf_path = argv[*i];
		return CTL_EXIT_OK;
	}
	if (a[0] == '-' && a[1] == '-')
		return ctl_args_option(ctl, argc, argv, i, args);
	if (a[0] == '-' && a[1] != '\0')
		return ctl_usage(ctl, "unknown option %s", a);
	return ctl_args_positional(ctl, a, args);
}

int ctl_args_parse(struct ctl *ctl, int argc, char **argv, struct ctl_args *args, bool *help_r)
{
	const struct ctl_cmd *cmd = ctl->cmd;
	bool only_pos = false;
	int r;

	memset(args, 0, sizeof(*args));
	args->opts = cmd->opts;
	*help_r = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (only_pos) {
			r = ctl_args_positional(ctl, a, args);
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			ctl_print_help(cmd);
			*help_r = true;
			return CTL_EXIT_OK;
		} else if (strcmp(a, "--") == 0) {
			only_pos = true;
			r = CTL_EXIT_OK;
		} else {
			r = ctl_args_one(ctl, argc, argv, &i, args);
		}
		if (r != CTL_EXIT_OK)
			return r;
	}
	if (args->npos < cmd->pos_min)
		return ctl_usage(ctl, "missing %s", cmd->pos_name);
	return CTL_EXIT_OK;
}

static int ctl_args_index(const struct ctl_args *args, const char *name)
{
	int k = ctl_args_find(args->opts, name, strlen(name));

	if (k < 0)
		fatal("balisectl: option --%s is not in the verb's table", name);
	return k;
}

const char *ctl_arg(const struct ctl_args *args, const char *name)
{
	int k = ctl_args_index(args, name);

	return args->count[k] > 0 ? args->val[k][0] : NULL;
}

bool ctl_flag(const struct ctl_args *args, const char *name)
{
	return args->count[ctl_args_index(args, name)] > 0;
}

const char *const *ctl_arg_all(const struct ctl_args *args, const char *name, unsigned *n_r)
{
	int k = ctl_args_index(args, name);

	*n_r = args->count[k];
	return args->val[k];
}

int ctl_parse_size(struct ctl *ctl, const char *opt, const char *s, uint64_t *out_r)
{
	if (cfg_parse_size(s, out_r) < 0) {
		ctl_usage(ctl,
		          "--%s: expected a size (digits with an optional K, M or G suffix), "
		          "got \"%s\"",
		          opt, s);
		return -1;
	}
	return 0;
}

int ctl_parse_uint(struct ctl *ctl, const char *opt, const char *s, uint64_t max, uint64_t *out_r)
{
	unsigned long long v;
	char *end;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0) {
		ctl_usage(ctl, "--%s: expected a number, got \"%s\"", opt, s);
		return -1;
	}
	if (v > max) {
		ctl_usage(ctl, "--%s: %llu is out of range (at most %llu)", opt, v,
		          (unsigned long long)max);
		return -1;
	}
	*out_r = v;
	return 0;
}
