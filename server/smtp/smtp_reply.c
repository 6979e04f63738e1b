/* SPDX-License-Identifier: ISC */
/* The table of parsing-layer refusals and the reply formatter. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "smtp_reply.h"

/* Codes: RFC 5321 section 4.2 (500 line/command, 501 arguments, 553
 * mailbox name, 555 unknown MAIL/RCPT parameter, 552 storage), enhanced
 * codes from RFC 3463 and the IANA registry (RFC 5248): 5.5.2 syntax,
 * 5.5.4 invalid arguments, 5.1.3/5.1.7 bad recipient/sender address, 5.6.7
 * non-ASCII address (RFC 6531), 5.5.6 AUTH line too long (RFC 4954), 5.3.4
 * message too big, 5.6.0 other media error. */
/* clang-format off */
static const struct smtp_reply_info smtp_replies[SMTP_R_COUNT] = {
	[SMTP_R_OK] = {250, "2.0.0", "Ok"},
	[SMTP_R_LINE_TOO_LONG] = {500, "5.5.2", "Ligne de commande trop longue"},
	[SMTP_R_BAD_EOL] = {500, "5.5.2", "Fin de ligne invalide : CRLF attendu"},
	[SMTP_R_UNKNOWN_CMD] = {500, "5.5.2", "Commande inconnue"},
	[SMTP_R_BAD_CHAR] = {500, "5.5.2", "Caractere interdit dans la commande"},
	[SMTP_R_NO_ARGS_ALLOWED] = {501, "5.5.4", "Cette commande ne prend pas d'argument"},
	[SMTP_R_ARG_MISSING] = {501, "5.5.4", "Argument manquant"},
	[SMTP_R_BAD_HELO] = {501, "5.5.4", "Nom de domaine ou adresse litterale invalide"},
	[SMTP_R_MAIL_SYNTAX] = {501, "5.5.2", "Syntaxe : MAIL FROM:<adresse> [parametres]"},
	[SMTP_R_RCPT_SYNTAX] = {501, "5.5.2", "Syntaxe : RCPT TO:<adresse> [parametres]"},
	[SMTP_R_BAD_SENDER] = {553, "5.1.7", "Adresse de l'expediteur invalide"},
	[SMTP_R_BAD_RCPT] = {553, "5.1.3", "Adresse du destinataire invalide"},
	[SMTP_R_SENDER_TOO_LONG] = {501, "5.1.7", "Adresse de l'expediteur trop longue"},
	[SMTP_R_RCPT_TOO_LONG] = {501, "5.1.3", "Adresse du destinataire trop longue"},
	[SMTP_R_UTF8_NOT_ALLOWED] = {553, "5.6.7", "Adresse non ASCII sans le parametre SMTPUTF8"},
	[SMTP_R_PARAM_SYNTAX] = {501, "5.5.4", "Parametre mal forme"},
	[SMTP_R_PARAM_UNKNOWN] = {555, "5.5.4", "Parametre inconnu ou non pris en charge"},
	[SMTP_R_PARAM_DUP] = {501, "5.5.4", "Parametre en double"},
	[SMTP_R_SIZE_BAD] = {501, "5.5.4", "Valeur de SIZE invalide"},
	[SMTP_R_BODY_BAD] = {501, "5.5.4", "Valeur de BODY invalide"},
	[SMTP_R_SMTPUTF8_BAD] = {501, "5.5.4", "SMTPUTF8 ne prend pas de valeur"},
	[SMTP_R_RET_BAD] = {501, "5.5.4", "Valeur de RET invalide (FULL ou HDRS)"},
	[SMTP_R_ENVID_BAD] = {501, "5.5.4", "Valeur de ENVID invalide"},
	[SMTP_R_AUTH_PARAM_BAD] = {501, "5.5.4", "Valeur de AUTH invalide"},
	[SMTP_R_NOTIFY_BAD] = {501, "5.5.4", "Valeur de NOTIFY invalide"},
	[SMTP_R_NOTIFY_NEVER] = {501, "5.5.4", "NOTIFY=NEVER ne se combine avec aucune autre valeur"},
	[SMTP_R_ORCPT_BAD] = {501, "5.5.4", "Valeur de ORCPT invalide"},
	[SMTP_R_BDAT_SYNTAX] = {501, "5.5.4", "Syntaxe : BDAT taille [LAST]"},
	[SMTP_R_AUTH_SYNTAX] = {501, "5.5.2", "Syntaxe : AUTH mecanisme [reponse initiale]"},
	[SMTP_R_AUTH_LINE_TOO_LONG] = {500, "5.5.6", "Ligne d'authentification trop longue"},
	[SMTP_R_AUTH_CANCELLED] = {501, "5.7.0", "Authentification annulee"},
	[SMTP_R_AUTH_BASE64] = {501, "5.5.2", "Reponse d'authentification : base64 invalide"},
	[SMTP_R_AUTH_PLAIN_BAD] = {501, "5.5.2", "Message PLAIN mal forme"},
	[SMTP_R_AUTH_LOGIN_BAD] = {501, "5.5.2", "Identifiant ou mot de passe LOGIN mal forme"},
	[SMTP_R_DATA_TOO_BIG] = {552, "5.3.4", "Message trop volumineux"},
	[SMTP_R_DATA_BARE_EOL] = {550, "5.6.0",
		"Message refuse : CR ou LF isole, les lignes doivent finir par CRLF"},
	[SMTP_R_DATA_NUL] = {550, "5.6.0", "Message refuse : octet nul dans le contenu"},
	[SMTP_R_DATA_LINE_TOO_LONG] = {550, "5.6.0",
		"Message refuse : ligne de plus de 998 caracteres"},
	[SMTP_R_DATA_8BIT] = {550, "5.6.0", "Message refuse : octets 8 bits dans un corps 7BIT"},
};
/* clang-format on */

const struct smtp_reply_info *smtp_reply_info(enum smtp_reply_id id)
{
	if ((unsigned)id >= SMTP_R_COUNT)
		id = SMTP_R_UNKNOWN_CMD; /* never reached by a correct caller */
	return &smtp_replies[id];
}

int smtp_reply_append(struct buf *out, enum smtp_reply_id id)
{
	const struct smtp_reply_info *ri = smtp_reply_info(id);

	return smtp_reply_format(out, ri->code, ri->enh, ri->text);
}

static int append_clean(struct buf *out, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = (uint8_t)p[i];

		if (buf_append_u8(out, (c >= 0x20 && c < 0x7f) || c == '\t' ? c : '?') < 0)
			return -1;
	}
	return 0;
}

int smtp_reply_format(struct buf *out, int code, const char *enh, const char *text)
{
	size_t start = out->len;
	const char *line = text != NULL ? text : "";

	if (code < 200 || code > 599)
		code = 451; /* a caller bug must not yield a broken reply */
	for (;;) {
		const char *nl = strchr(line, '\n');
		size_t n = nl != NULL ? (size_t)(nl - line) : strlen(line);

		if (buf_printf(out, "%d%c", code, nl != NULL ? '-' : ' ') < 0 ||
		    (enh != NULL && buf_printf(out, "%s ", enh) < 0) ||
		    append_clean(out, line, n) < 0 || buf_append(out, "\r\n", 2) < 0) {
			out->len = start;
			return -1;
		}
		if (nl == NULL)
			return 0;
		line = nl + 1;
	}
}

/* One extension line per enabled capability, '\n'-separated into text. */
static int ehlo_lines(struct buf *t, const struct smtp_ehlo_caps *c)
{
	int r = 0;

	if (c->pipelining)
		r |= buf_append_str(t, "\nPIPELINING");
	if (c->size && c->size_max > 0)
		r |= buf_printf(t, "\nSIZE %" PRIu64, c->size_max);
	else if (c->size)
		r |= buf_append_str(t, "\nSIZE");
	if (c->eightbitmime)
		r |= buf_append_str(t, "\n8BITMIME");
	if (c->binarymime)
		r |= buf_append_str(t, "\nBINARYMIME");
	if (c->chunking)
		r |= buf_append_str(t, "\nCHUNKING");
	if (c->smtputf8)
		r |= buf_append_str(t, "\nSMTPUTF8");
	if (c->enhancedstatuscodes)
		r |= buf_append_str(t, "\nENHANCEDSTATUSCODES");
	if (c->dsn)
		r |= buf_append_str(t, "\nDSN");
	if (c->starttls)
		r |= buf_append_str(t, "\nSTARTTLS");
	if (c->auth != NULL && c->auth[0] != '\0')
		r |= buf_printf(t, "\nAUTH %s", c->auth);
	return r;
}

int smtp_reply_ehlo(struct buf *out, const char *hostname, const char *greeting,
                    const struct smtp_ehlo_caps *caps)
{
	struct buf t;
	int r;

	buf_init(&t, 0);
	buf_printf(&t, "%s%s%s", hostname, greeting != NULL ? " " : "",
	           greeting != NULL ? greeting : "");
	r = ehlo_lines(&t, caps) < 0 || buf_cstr(&t) < 0
	        ? -1
	        : smtp_reply_format(out, 250, NULL, (const char *)t.data);
	buf_free(&t);
	return r;
}
