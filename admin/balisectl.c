/* SPDX-License-Identifier: ISC */
/* balisectl: the admin CLI of balise. Global options, the command table
 * (noun, verb, handler, usage, options) and dispatch. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "log.h"
#include "sieve_managed.h"
#include "util.h"

static const struct ctl_opt ctl_opts_json[] = {{"json", 0, NULL}, {NULL, 0, NULL}};

static const struct ctl_opt ctl_opts_none[] = {{NULL, 0, NULL}};

static const struct ctl_opt ctl_opts_bal_create[] = {
    {"type", CTL_OPT_ARG, NULL},
    {"holder-type", CTL_OPT_ARG, NULL},
    {"holder", CTL_OPT_ARG, NULL},
    {"co-holder", CTL_OPT_ARG | CTL_OPT_MULTI, NULL},
    {"name", CTL_OPT_ARG, NULL},
    {"quota", CTL_OPT_ARG, NULL},
    {"quota-messages", CTL_OPT_ARG, NULL},
    {"password-stdin", 0, NULL},
    {"json", 0, NULL},
    {NULL, 0, NULL},
};

static const struct ctl_opt ctl_opts_bal_list[] = {
    {"domain", CTL_OPT_ARG, NULL},
    {"type", CTL_OPT_ARG, NULL},
    {"json", 0, NULL},
    {NULL, 0, NULL},
};

static const struct ctl_opt ctl_opts_bal_set[] = {
    {"quota", CTL_OPT_ARG, NULL},
    {"quota-messages", CTL_OPT_ARG, NULL},
    {"name", CTL_OPT_ARG, NULL},
    {"state", CTL_OPT_ARG, NULL},
    {"holder-type", CTL_OPT_ARG, NULL},
    {"holder", CTL_OPT_ARG, NULL},
    {"co-holder", CTL_OPT_ARG | CTL_OPT_MULTI, NULL},
    {"no-co-holders", 0, NULL},
    {"sent-retention", CTL_OPT_ARG, NULL},
    {"contact", CTL_OPT_ARG, NULL},
    {"type", CTL_OPT_ARG | CTL_OPT_REFUSED,
     "the type of a BAL is fixed at creation; delete the BAL and create it again"},
    {"address", CTL_OPT_ARG | CTL_OPT_REFUSED,
     "the address of a BAL is fixed at creation; delete the BAL and create it again"},
    {NULL, 0, NULL},
};

static const struct ctl_opt ctl_opts_queue_retry[] = {{"all", 0, NULL}, {NULL, 0, NULL}};
static const struct ctl_opt ctl_opts_whitelist_show[] = {
    {"file", CTL_OPT_ARG, NULL},
    {"cert", CTL_OPT_ARG, NULL},
    {"json", 0, NULL},
    {NULL, 0, NULL},
};

static const struct ctl_opt ctl_opts_quota_report[] = {
    {"over", CTL_OPT_ARG, NULL}, {"json", 0, NULL}, {NULL, 0, NULL}};

static const struct ctl_opt ctl_opts_purge_sent[] = {
    {"older-than", CTL_OPT_ARG, NULL}, {"dry-run", 0, NULL}, {NULL, 0, NULL}};
static const struct ctl_opt ctl_opts_inactive[] = {
    {"days", CTL_OPT_ARG, NULL}, {"json", 0, NULL}, {NULL, 0, NULL}};
static const struct ctl_opt ctl_opts_inactivity_run[] = {{"now", CTL_OPT_ARG, NULL},
                                                         {NULL, 0, NULL}};
static const struct ctl_opt ctl_opts_delreq_create[] = {{"requested-by", CTL_OPT_ARG, NULL},
                                                        {"reason", CTL_OPT_ARG, NULL},
                                                        {"contact", CTL_OPT_ARG, NULL},
                                                        {NULL, 0, NULL}};
static const struct ctl_opt ctl_opts_delreq_reject[] = {{"reason", CTL_OPT_ARG, NULL},
                                                        {NULL, 0, NULL}};

static const struct ctl_opt ctl_opts_sieve_activate[] = {{"none", 0, NULL}, {NULL, 0, NULL}};
static const struct ctl_opt ctl_opts_sieve_put[] = {{"activate", 0, NULL}, {NULL, 0, NULL}};
static const struct ctl_opt ctl_opts_vacation_set[] = {
    {"message-file", CTL_OPT_ARG, NULL}, {"subject", CTL_OPT_ARG, NULL},
    {"from", CTL_OPT_ARG, NULL},         {"until", CTL_OPT_ARG, NULL},
    {"days", CTL_OPT_ARG, NULL},         {NULL, 0, NULL}};
static const struct ctl_opt ctl_opts_forward_set[] = {
    {"to", CTL_OPT_ARG, NULL}, {"keep-copy", 0, NULL}, {NULL, 0, NULL}};
static const struct ctl_opt ctl_opts_annuaire_show[] = {
    {"file", CTL_OPT_ARG, NULL}, {"json", 0, NULL}, {NULL, 0, NULL}};

static const struct ctl_opt ctl_opts_bal_delete[] = {{"yes", 0, NULL}, {NULL, 0, NULL}};

#define CTL_HELP_BAL_CREATE                                                                        \
	"  --type T            PER (one professional), ORG (a structure's service),\n"             \
	"                      CAB (a practice) or APP (an application); fixed for life\n"         \
	"  --holder-type N     identifier type of the holder: PER 8 (RPPS) or 0 (ADELI);\n"        \
	"                      CAB 8 (its responsible RPPS); ORG and APP 1 (FINESS) or\n"          \
	"                      3 (SIRET); 10 (MSSante address only) is refused for a new\n"        \
	"                      PER (EX_GBM_4312)\n"                                                \
	"  --holder ID         the holder's idNat, type prefix included\n"                         \
	"                      (RPPS 10001234565: --holder-type 8 --holder 810001234565)\n"        \
	"  --co-holder ID      RPPS idNat of a co-holder (CAB), repeatable (at most 16)\n"         \
	"  --name TEXT         display name\n"                                                     \
	"  --quota SIZE        storage quota, K/M/G suffixes; 0 = unlimited; default 1G\n"         \
	"  --quota-messages N  message-count quota; 0 (default) = unlimited\n"                     \
	"  --password-stdin    read the password as one line on standard input; without\n"         \
	"                      it the BAL has no password until 'bal passwd'\n"                    \
	"  --json              print the new BAL as JSON\n"

#define CTL_HELP_BAL_SET                                                                           \
	"  --quota SIZE        storage quota, K/M/G suffixes; 0 = unlimited\n"                     \
	"  --quota-messages N  message-count quota; 0 = unlimited\n"                               \
	"  --name TEXT         display name (\"\" clears it)\n"                                    \
	"  --state S           active or suspended\n"                                              \
	"  --holder-type N --holder ID\n"                                                          \
	"                      change the holder (e.g. migrate a PER to an RPPS holder)\n"         \
	"  --co-holder ID      replace the co-holders (CAB), repeatable\n"                         \
	"  --no-co-holders     remove every co-holder\n"                                           \
	"  --sent-retention D  days a message stays in Sent before the daily purge; 0 = off\n"     \
	"  --contact ADDRESS   address outside the BAL for lifecycle notices (\"\" clears)\n"     \
	"Address and type are fixed at creation: delete and re-create to change them.\n"

static const struct ctl_cmd ctl_cmds[] = {
    {"domain", "add", ctl_domain_add, "DOMAIN", "Serve a mail domain.", NULL, ctl_opts_none,
     "DOMAIN", 1, 1, 0},
    {"domain", "remove", ctl_domain_remove, "DOMAIN",
     "Stop serving a domain (refused while it has BALs).", NULL, ctl_opts_none, "DOMAIN", 1, 1, 0},
    {"domain", "list", ctl_domain_list, "[--json]", "List the domains served, with BAL counts.",
     NULL, ctl_opts_json, NULL, 0, 0, 0},
    {"bal", "create", ctl_bal_create,
     "ADDRESS --type PER|ORG|CAB|APP --holder-type N --holder ID [--co-holder ID]... "
     "[--name NAME] [--quota SIZE] [--quota-messages N] [--password-stdin] [--json]",
     "Create a BAL with its INBOX, Sent, Drafts, Trash and Junk mailboxes.", CTL_HELP_BAL_CREATE,
     ctl_opts_bal_create, "ADDRESS", 1, 1, 0},
    {"bal", "show", ctl_bal_show, "ADDRESS [--json]",
     "Show a BAL: holder, quota and usage, state, mailboxes (never the password hash).", NULL,
     ctl_opts_json, "ADDRESS", 1, 1, 0},
    {"bal", "list", ctl_bal_list, "[--domain DOMAIN] [--type T] [--json]",
     "List BALs, optionally of one domain or type.", NULL, ctl_opts_bal_list, NULL, 0, 0, 0},
    {"bal", "set", ctl_bal_set,
     "ADDRESS [--quota SIZE] [--quota-messages N] [--name NAME] [--state active|suspended] "
     "[--holder-type N --holder ID] [--co-holder ID]... [--no-co-holders]",
     "Change a BAL's quota, display name, state or holder.", CTL_HELP_BAL_SET, ctl_opts_bal_set,
     "ADDRESS", 1, 1, 0},
    {"bal", "passwd", ctl_bal_passwd, "ADDRESS",
     "Set a BAL's password, read as one line on standard input (prompted on a terminal).", NULL,
     ctl_opts_none, "ADDRESS", 1, 1, 0},
    {"bal", "delete", ctl_bal_delete, "ADDRESS [--yes]",
     "Delete a BAL and all its mail. The address stays reserved for the same holder. "
     "Without --yes, asks to type the address on a terminal and refuses otherwise.",
     NULL, ctl_opts_bal_delete, "ADDRESS", 1, 1, 0},
    {"bal", "purge-sent", ctl_bal_purge_sent, "ADDRESS [--older-than DAYS] [--dry-run]",
     "Expunge the messages of the BAL's Sent mailbox sent more than DAYS days ago (default: "
     "its --sent-retention); quota credited, traced. Wipe with 'store compact'.",
     NULL, ctl_opts_purge_sent, "ADDRESS", 1, 1, 0},
    {"bal", "inactive", ctl_bal_inactive, "--days N [--json]",
     "List BALs without a login (or, never used, created) for N days.", NULL, ctl_opts_inactive,
     NULL, 0, 0, 0},
    {"bal", "inactivity-run", ctl_bal_inactivity_run, "[--now DATE]",
     "Run the inactivity policy of [inactivity] now, as balised's daily job does (French "
     "warnings, then the action); --now sets the clock (tests, catching up).",
     NULL, ctl_opts_inactivity_run, NULL, 0, 0, 0},
    {"bal", "check-password", ctl_bal_check_password, "ADDRESS",
     "Check a password read on standard input: exit 0 if it matches, 1 if not.", NULL,
     ctl_opts_none, "ADDRESS", 1, 1, 0},
    {"deletion-request", "create", ctl_delreq_create,
     "ADDRESS --requested-by RPPS --reason TEXT [--contact ADDRESS]",
     "Record a holder's request to delete their BAL (EX_GBM_6021): the RPPS must be the "
     "holder (PER) or the responsible holder (CAB); the BAL stops receiving and a French "
     "acknowledgement goes to the BAL and the contact address.",
     NULL, ctl_opts_delreq_create, "ADDRESS", 1, 1, 0},
    {"deletion-request", "list", ctl_delreq_list, "[--json]",
     "List deletion requests with their state and decision.", NULL, ctl_opts_json, NULL, 0, 0,
     0},
    {"deletion-request", "approve", ctl_delreq_approve, "ID",
     "Approve a pending request: the BAL and all its mail are deleted, its address retired.",
     NULL, ctl_opts_none, "ID", 1, 1, 0},
    {"deletion-request", "reject", ctl_delreq_reject, "ID --reason TEXT",
     "Reject a pending request: the BAL gets its former state back.", NULL,
     ctl_opts_delreq_reject, "ID", 1, 1, 0},
    {"config", "check", ctl_config_check, "",
     "Check the configuration file and the files it names.", NULL, ctl_opts_none, NULL, 0, 0,
     CTL_CMD_NOCONF},
    {"config", "keys", ctl_config_keys, "[--json]",
     "List every configuration key balised knows: section, key, type, default, meaning "
     "(docs/configuration.md documents each).",
     NULL, ctl_opts_json, NULL, 0, 0, CTL_CMD_NOCONF},
    {"health", "", ctl_health, "",
     "Check that balised answers: GET /health on [listen] http, else the greeting of the "
     "first of imap, smtp, submission; exit 0 if healthy, 1 if not (container health checks).",
     NULL, ctl_opts_none, NULL, 0, 0, 0},
    {"delegate", "grant", ctl_delegate_grant, "BAL GRANTEE --rights RIGHTS [--mailbox NAME]",
     "Let GRANTEE's user act on BAL (or one of its mailboxes) with RFC 4314 rights; replaces "
     "an earlier grant of the same scope.",
     "  --rights RIGHTS     letters among lrswipkxtea: l list, r read, s keep seen,\n"
     "                      w write flags, i insert, p post (send as BAL), k create\n"
     "                      mailboxes, x delete mailboxes, t delete messages,\n"
     "                      e expunge, a administer rights\n"
     "  --mailbox NAME      only this mailbox (it replaces the whole-BAL grant there)\n",
     ctl_opts_delegate_grant, "BAL GRANTEE", 2, 2, 0},
    {"delegate", "revoke", ctl_delegate_revoke, "BAL GRANTEE [--mailbox NAME]",
     "Remove a grant (the whole-BAL one, or the one of --mailbox); open sessions lose the "
     "rights at their next command.",
     NULL, ctl_opts_delegate_revoke, "BAL GRANTEE", 2, 2, 0},
    {"delegate", "list", ctl_delegate_list, "[BAL] [--json]",
     "List delegations (of BAL, or all): BAL, grantee, rights, mailbox (* for the whole BAL).",
     NULL, ctl_opts_json, "BAL", 0, 1, 0},
    {"delegate", "log", ctl_delegate_log, "BAL [--since DATE] [--json]",
     "List who accessed BAL as a delegate, when and over which protocol.",
     "  --since DATE        YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC)\n"
     "  --json              print a JSON array\n",
     ctl_opts_delegate_log, "BAL", 1, 1, 0},
    {"queue", "list", ctl_queue_list, "[--json]",
     "List the outbound queue: arrival, next attempt, tries, recipients still to do, size and "
     "sender of each entry.",
     NULL, ctl_opts_json, NULL, 0, 0, 0},
    {"queue", "show", ctl_queue_show, "ID [--json]",
     "Show a queue entry: envelope, DSN parameters, and each recipient's state, attempts and "
     "last reply.",
     NULL, ctl_opts_json, "ID", 1, 1, 0},
    {"queue", "retry", ctl_queue_retry, "ID|--all",
     "Make a queue entry (or every entry) due for delivery now.", NULL, ctl_opts_queue_retry,
     "ID", 0, 1, 0},
    {"queue", "delete", ctl_queue_delete, "ID",
     "Remove a queue entry without delivering it and without a bounce (no confirmation; "
     "logged).",
     NULL, ctl_opts_none, "ID", 1, 1, 0},
    {"whitelist", "check", ctl_whitelist_check, "[FILE] [--json]",
     "Check the trust-space whitelist (FILE, else [trust] whitelist) as balised would read it: "
     "its counts, or the first problem found.",
     NULL, ctl_opts_json, "FILE", 0, 1, CTL_CMD_NOCONF},
    {"whitelist", "show", ctl_whitelist_show, "DOMAIN [--file FILE] [--cert PEM] [--json]",
     "List the operator certificate DNs the whitelist allows for DOMAIN; with --cert, "
     "whether that certificate may speak for DOMAIN.",
     "  --file FILE         read FILE instead of [trust] whitelist\n"
     "  --cert PEM          exit 0 if the subject of this certificate is allowed for\n"
     "                      DOMAIN (as port 25 will decide), 1 if not\n"
     "  --json              also the DN keys compared, descriptions and line numbers\n",
     ctl_opts_whitelist_show, "DOMAIN", 1, 1, CTL_CMD_NOCONF},
    {"quota", "report", ctl_quota_report, "[--over PCT] [--json]",
     "List BALs by quota usage, fullest first: used bytes and messages, quota, percent (the "
     "higher of bytes and messages) and the last alert level sent (80, 90, 100).",
     "  --over PCT          only BALs whose usage is at least PCT percent (\"80\" or \"80%\")\n"
     "  --json              print a JSON array\n",
     ctl_opts_quota_report, NULL, 0, 0, 0},
    {"store", "info", ctl_store_info, "[--json]",
     "Show the store's directory, map size and use, and how many domains and BALs it holds.", NULL,
     ctl_opts_json, NULL, 0, 0, 0},
    {"store", "compact", ctl_store_compact, "",
     "Rewrite the store record by record into a fresh file and wipe the old one, so that "
     "deleted mail leaves the disk. balised must be stopped (docs/deletion.md).",
     NULL, ctl_opts_none, NULL, 0, 0, 0},
    {"store", "check", ctl_store_check, "",
     "Check the store's consistency: mailbox counters, message reference counts, quota usage "
     "and indexes (read-only; safe while balised runs).",
     NULL, ctl_opts_none, NULL, 0, 0, 0},
    {"backup", "", ctl_backup, "DIR",
     "Copy the store (every message included) into DIR/data.mdb while balised runs: one "
     "consistent state, compacted. DIR is created, or must be an empty directory. Restore: "
     "docs/runbook.md.",
     NULL, ctl_opts_none, "DIR", 1, 1, 0},
    {"sieve", "put", ctl_sieve_put, "BAL NAME FILE|- [--activate]",
     "Compile a Sieve script (FILE, or - for standard input) and store it as NAME of the BAL, "
     "replacing a script of that name; refused with the line and column of an error, or "
     "with the reason of the forwarding rule (RE_GBM_4480) for a redirect it forbids.",
     "  --activate          also make it the BAL's active script\n"
     "Limits per BAL: 32 scripts, 256 KiB per script, 1 MiB in all.\n",
     ctl_opts_sieve_put, "BAL NAME FILE", 3, 3, 0},
    {"sieve", "list", ctl_sieve_list, "BAL [--json]",
     "List a BAL's Sieve scripts: active flag, size, last change, and the space used.", NULL,
     ctl_opts_json, "BAL", 1, 1, 0},
    {"sieve", "get", ctl_sieve_get, "BAL NAME",
     "Print the text of a BAL's Sieve script as it was uploaded.", NULL, ctl_opts_none,
     "BAL NAME", 2, 2, 0},
    {"sieve", "activate", ctl_sieve_activate, "BAL NAME|--none",
     "Make NAME the BAL's only active Sieve script, or (--none) deactivate every script.",
     NULL, ctl_opts_sieve_activate, "BAL NAME", 1, 2, 0},
    {"sieve", "delete", ctl_sieve_delete, "BAL NAME",
     "Delete a Sieve script of a BAL (refused while it is active).", NULL, ctl_opts_none,
     "BAL NAME", 2, 2, 0},
    {"vacation", "set", ctl_vacation_set,
     "BAL --message-file FILE [--subject TEXT] [--from DATE] [--until DATE] [--days N]",
     "Set the BAL's auto-reply (RFC 3834, RE_GBM_4470), a managed rule run before the BAL's "
     "own script; replaces an earlier one.",
     "  --message-file FILE the reply's text, UTF-8 (- for standard input)\n"
     "  --subject TEXT      the reply's subject (default: \"" SIEVE_MANAGED_DEFAULT_SUBJECT "\")\n"
     "  --from DATE         first day of the absence, YYYY-MM-DD (default: now)\n"
     "  --until DATE        last day of the absence, YYYY-MM-DD (default: until 'off')\n"
     "  --days N            one reply per sender every N days, 1 to 30 (default 7)\n"
     "Days are those of Paris time, as Sieve counts them at delivery; both DATEs are\n"
     "included.\n",
     ctl_opts_vacation_set, "BAL", 1, 1, 0},
    {"vacation", "off", ctl_vacation_off, "BAL", "Remove the BAL's auto-reply.", NULL,
     ctl_opts_none, "BAL", 1, 1, 0},
    {"vacation", "show", ctl_vacation_show, "BAL [--json]",
     "Show the BAL's auto-reply: subject, dates, period and message.", NULL, ctl_opts_json,
     "BAL", 1, 1, 0},
    {"forward", "set", ctl_forward_set, "BAL --to ADDRESS [--keep-copy]",
     "Forward the BAL's mail to ADDRESS, a managed rule run before the BAL's own script; "
     "refused unless the forwarding rule allows it (a PER BAL: only to another PER BAL of "
     "the same holder, RE_GBM_4480).",
     "  --to ADDRESS        where the mail goes\n"
     "  --keep-copy         keep a copy in the BAL too (redirect :copy)\n",
     ctl_opts_forward_set, "BAL", 1, 1, 0},
    {"forward", "off", ctl_forward_off, "BAL", "Stop forwarding the BAL's mail.", NULL,
     ctl_opts_none, "BAL", 1, 1, 0},
    {"forward", "show", ctl_forward_show, "BAL [--json]",
     "Show where the BAL's mail is forwarded, if anywhere.", NULL, ctl_opts_json, "BAL", 1, 1,
     0},
    {"annuaire", "check", ctl_annuaire_check, "[FILE] [--json]",
     "Check the Annuaire Sante extraction of MSSante BALs (FILE, else [trust] annuaire) as "
     "the forwarding rule reads it: its counts, or the first problem with its line.",
     NULL, ctl_opts_json, "FILE", 0, 1, CTL_CMD_NOCONF},
    {"annuaire", "show", ctl_annuaire_show, "ADDRESS [--file FILE] [--json]",
     "Show the extraction's lines for ADDRESS: BAL type, holder idNat, structure id.",
     "  --file FILE         read FILE instead of [trust] annuaire\n"
     "  --json              print a JSON array\n",
     ctl_opts_annuaire_show, "ADDRESS", 1, 1, CTL_CMD_NOCONF},
};

static void ctl_help_cmd_line(FILE *f, const struct ctl_cmd *c)
{
	int n = fprintf(f, "  %s%s%s", c->noun, c->verb[0] ? " " : "", c->verb);

	if (c->usage[0] != '\0') {
		fputc(' ', f);
		ctl_print_wrapped(f, c->usage, (size_t)n + 1, (size_t)n + 1);
	} else {
		fputc('\n', f);
	}
	fputs("      ", f);
	ctl_print_wrapped(f, c->summary, 6, 6);
}

/* The whole help, or only the verbs of noun when it is not NULL. */
static void ctl_help(FILE *f, const char *only)
{
	const char *noun = "";

	fprintf(f,
	        "usage: %s [-c CONF] NOUN VERB [ARGS] [--json]\n"
	        "       %s NOUN VERB --help | %s help [NOUN] | %s --version\n\n"
	        "Administers balise, the MSSante mail server, on its LMDB store (also while\n"
	        "balised runs).\n\n"
	        "  -c, --config CONF   configuration file (default: $BALISE_CONF, else\n"
	        "                      %s)\n",
	        CTL_PROG, CTL_PROG, CTL_PROG, CTL_PROG, CTL_DEFAULT_CONF);
	for (size_t i = 0; i < ARRAY_LEN(ctl_cmds); i++) {
		const struct ctl_cmd *c = &ctl_cmds[i];
		if ((c->flags & CTL_CMD_HIDDEN) || (only != NULL && strcmp(only, c->noun) != 0))
			continue;
		if (strcmp(noun, c->noun) != 0)
			fprintf(f, "\n");
		noun = c->noun;
		ctl_help_cmd_line(f, c);
	}
	fprintf(f, "\nExit status: 0 done, 1 refused (reason on stderr), 2 usage error.\n"
	           "New BALs get a 1G quota unless --quota says otherwise (0 = unlimited).\n");
}

static const struct ctl_cmd *ctl_find(const char *noun, const char *verb, bool *noun_ok_r)
{
	*noun_ok_r = false;
	for (size_t i = 0; i < ARRAY_LEN(ctl_cmds); i++) {
		if (strcmp(ctl_cmds[i].noun, noun) != 0)
			continue;
		*noun_ok_r = true;
		if (ctl_cmds[i].verb[0] == '\0') /* a command without verb */
			return &ctl_cmds[i];
		if (verb != NULL && strcmp(ctl_cmds[i].verb, verb) == 0)
			return &ctl_cmds[i];
	}
	return NULL;
}

/* Global options before the noun; returns the index of the noun, or -1 with
 * *exit_r set when the run is over (help, version, usage error). */
static int ctl_globals(struct ctl *ctl, int argc, char **argv, int *exit_r)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			ctl_help(stdout, NULL);
			return *exit_r = CTL_EXIT_OK, -1;
		} else if (strcmp(a, "--version") == 0) {
			printf("%s (%s) %s\n", CTL_PROG, PACKAGE_NAME, PACKAGE_VERSION);
			return *exit_r = CTL_EXIT_OK, -1;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (++i >= argc)
				return *exit_r = ctl_usage(ctl, "%s: missing file name", a), -1;
			ctl->conf_path = argv[i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			ctl->conf_path = a + 9;
		} else {
			return *exit_r = ctl_usage(ctl, "unknown option %s", a), -1;
		}
	}
	if (i >= argc)
		return *exit_r = ctl_usage(ctl, "missing command"), -1;
	return i;
}

/* "help [NOUN [VERB]]" */
static int ctl_help_cmd(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *cmd;
	bool noun_ok;
	char help[] = "--help", *help_argv[] = {help};
	struct ctl_args args;

	if (argc == 0) {
		ctl_help(stdout, NULL);
		return CTL_EXIT_OK;
	}
	if (argc == 1) {
		ctl_find(argv[0], NULL, &noun_ok);
		if (!noun_ok)
			return ctl_usage(ctl, "no command \"%s\"", argv[0]);
		ctl_help(stdout, argv[0]);
		return CTL_EXIT_OK;
	}
	cmd = ctl_find(argv[0], argv[1], &noun_ok);
	if (cmd == NULL)
		return ctl_usage(ctl, "no command \"%s %s\"", argv[0], argv[1]);
	ctl->cmd = cmd;
	return ctl_args_parse(ctl, 1, help_argv, &args, &noun_ok);
}

static int ctl_dispatch(struct ctl *ctl, int argc, char **argv)
{
	const struct ctl_cmd *cmd;
	struct ctl_args args;
	bool noun_ok, help;
	int r, words;

	if (strcmp(argv[0], "help") == 0)
		return ctl_help_cmd(ctl, argc - 1, argv + 1);
	cmd = ctl_find(argv[0], argc > 1 ? argv[1] : NULL, &noun_ok);
	if (!noun_ok)
		return ctl_usage(ctl, "unknown command \"%s\"", argv[0]);
	if (cmd == NULL && argc < 2)
		return ctl_usage(ctl, "%s: missing verb", argv[0]);
	if (cmd == NULL)
		return ctl_usage(ctl, "%s: unknown verb \"%s\"", argv[0], argv[1]);
	ctl->cmd = cmd;
	ctl->argc = argc;
	ctl->argv = argv;
	words = cmd->verb[0] != '\0' ? 2 : 1;
	r = ctl_args_parse(ctl, argc - words, argv + words, &args, &help);
	if (r != CTL_EXIT_OK || help)
		return r;
	if (!(cmd->flags & CTL_CMD_NOCONF) && ctl_config_load(ctl) != CTL_EXIT_OK)
		return CTL_EXIT_REFUSED;
	return cmd->run(ctl, &args);
}

int main(int argc, char **argv)
{
	struct ctl ctl = {0};
	int r, first;

	log_init(CTL_PROG, LOG_LVL_WARN, false);
	ctl.conf_path = getenv("BALISE_CONF");
	if (ctl.conf_path == NULL || ctl.conf_path[0] == '\0')
		ctl.conf_path = CTL_DEFAULT_CONF;
	first = ctl_globals(&ctl, argc, argv, &r);
	if (first >= 0)
		r = ctl_dispatch(&ctl, argc - first, argv + first);
	ctl_store_close(&ctl);
	if (ctl.cfg_loaded)
		cfg_free(&ctl.cfg);
	if (fflush(stdout) != 0 && r == CTL_EXIT_OK)
		r = CTL_EXIT_REFUSED;
	return r;
}
