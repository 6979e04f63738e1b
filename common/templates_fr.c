/* SPDX-License-Identifier: ISC */
/* French texts of the notices balise writes (DSN/NDR, delay notices, quota
 * alerts), and French number, size and date formats. Wording: a health
 * operator writing to professionals, polite and plain; "vous" throughout. */
#include "config.h"

#include <string.h>

#include "templates_fr.h"
#include "util.h"

/* ------------------------------------------------------------- reports */

const char *tfr_dsn_subject(enum tfr_report k)
{
	switch (k) {
	case TFR_REPORT_FAILURE:
		return "Avis de non-remise : votre message n'a pas pu être remis";
	case TFR_REPORT_DELAY:
		return "Avis de retard : votre message n'a pas encore pu être remis";
	case TFR_REPORT_RELAYED:
		return "Avis de remise : votre message a été transmis";
	case TFR_REPORT_SUCCESS:
		break;
	}
	return "Avis de remise : votre message a été remis";
}

const char *tfr_dsn_title(enum tfr_report k)
{
	switch (k) {
	case TFR_REPORT_FAILURE:
		return "Avis de non-remise";
	case TFR_REPORT_DELAY:
		return "Avis de retard";
	case TFR_REPORT_SUCCESS:
	case TFR_REPORT_RELAYED:
		break;
	}
	return "Avis de remise";
}

static const char *report_body(enum tfr_report k)
{
	switch (k) {
	case TFR_REPORT_FAILURE:
		return "Votre message n'a pas pu être remis à un ou plusieurs de ses\n"
		       "destinataires, indiqués ci-dessous avec le motif de l'échec.\n"
		       "Aucune nouvelle tentative ne sera faite pour eux.\n";
	case TFR_REPORT_DELAY:
		return "Votre message n'a pas encore pu être remis à un ou plusieurs de\n"
		       "ses destinataires, indiqués ci-dessous. Le serveur continue\n"
		       "d'essayer : vous n'avez rien à faire pour le moment. Si la remise\n"
		       "reste impossible, vous recevrez un avis de non-remise.\n";
	case TFR_REPORT_RELAYED:
		return "Votre message a été transmis au serveur de messagerie de ses\n"
		       "destinataires, indiqués ci-dessous. Ce serveur ne délivre pas\n"
		       "d'accusé de remise : vous ne recevrez pas d'autre confirmation.\n";
	case TFR_REPORT_SUCCESS:
		break;
	}
	return "Comme vous l'avez demandé, nous vous confirmons que votre message\n"
	       "a bien été remis aux destinataires indiqués ci-dessous.\n";
}

int tfr_dsn_intro(enum tfr_report k, const char *reporting_host, struct buf *out)
{
	if (buf_printf(out,
	               "Bonjour,\n\n"
	               "Ce message vous est envoyé automatiquement par le serveur de\n"
	               "messagerie %s.\n\n",
	               reporting_host) < 0)
		return -1;
	return buf_append_str(out, report_body(k));
}

const char *tfr_action_heading(enum tfr_action a)
{
	switch (a) {
	case TFR_ACTION_FAILED:
		return "Remise impossible :";
	case TFR_ACTION_DELAYED:
		return "Remise retardée :";
	case TFR_ACTION_DELIVERED:
		return "Message remis :";
	case TFR_ACTION_RELAYED:
		return "Message transmis, sans accusé de remise possible :";
	case TFR_ACTION_EXPANDED:
	case TFR_ACTION_COUNT:
		break;
	}
	return "Message remis puis redistribué vers d'autres adresses :";
}

const char *tfr_action_text(enum tfr_action a)
{
	switch (a) {
	case TFR_ACTION_FAILED:
		return "échec définitif de la remise.";
	case TFR_ACTION_DELAYED:
		return "remise retardée, de nouvelles tentatives sont en cours.";
	case TFR_ACTION_DELIVERED:
		return "message remis dans la boîte aux lettres du destinataire.";
	case TFR_ACTION_RELAYED:
		return "message transmis à un serveur qui ne délivre pas d'accusé de "
		       "remise.";
	case TFR_ACTION_EXPANDED:
	case TFR_ACTION_COUNT:
		break;
	}
	return "message remis, puis redistribué par le destinataire vers d'autres "
	       "adresses.";
}

/* ------------------------------------------------- RFC 3463 status codes */

struct status_text {
	const char *code; /* "5.1.1", or "5.1" for class and subject, or "5" */
	const char *text;
};

/* Looked up from the most precise to the least: exact code, then
 * class.subject, then class. The 4.x texts say the problem is temporary. */
static const struct status_text status_texts[] = {
    {"5.1.1", "adresse inconnue. Aucune boîte aux lettres ne correspond à cette "
              "adresse ; vérifiez qu'elle est correctement orthographiée."},
    {"5.1.2", "le domaine de l'adresse du destinataire est introuvable. Vérifiez la "
              "partie de l'adresse située après « @ »."},
    {"5.1.3", "l'adresse du destinataire n'est pas valide."},
    {"5.1.6", "le destinataire a changé d'adresse ; cette adresse n'est plus utilisée."},
    {"5.1.10", "le domaine du destinataire n'accepte pas de messages."},
    {"5.2.1", "la boîte aux lettres du destinataire est désactivée ou suspendue ; elle "
              "ne peut pas recevoir de messages."},
    {"4.2.1", "la boîte aux lettres du destinataire est momentanément indisponible."},
    {"5.2.0", "le destinataire a refusé ce message par une règle de filtrage de sa "
              "boîte aux lettres (Sieve)."},
    {"5.2.2", "la boîte aux lettres du destinataire est pleine (quota de stockage "
              "atteint)."},
    {"4.2.2", "la boîte aux lettres du destinataire est pleine pour le moment (quota "
              "de stockage atteint)."},
    {"5.2.3", "le message dépasse la taille maximale acceptée par la boîte aux lettres "
              "du destinataire."},
    {"5.3.0", "le contenu du message n'a pas pu être relu dans la file d'envoi de votre "
              "serveur ; il n'a pas été remis. Renvoyez-le depuis votre copie."},
    {"5.3.4", "le message est trop volumineux pour être accepté par le serveur de "
              "destination. Réduisez la taille des pièces jointes."},
    {"5.7.1", "le message a été refusé par la politique de sécurité du serveur de "
              "destination, ou le destinataire n'appartient pas à l'espace de confiance "
              "MSSanté."},
    {"5.7.0", "le message a été refusé pour une raison de sécurité."},
    {"4.4.7", "le délai de remise est dépassé ; le message est resté en attente trop "
              "longtemps sans pouvoir être remis."},
    {"5.4.7", "le délai de remise est dépassé ; le message est resté en attente trop "
              "longtemps sans pouvoir être remis."},
    {"5.4.4", "impossible d'acheminer le message ; aucun serveur de messagerie n'a été "
              "trouvé pour le domaine du destinataire."},
    {"4.4.4", "impossible d'acheminer le message pour le moment ; aucun serveur de "
              "messagerie n'a été trouvé pour le domaine du destinataire."},
    {"4.4.1", "le serveur de destination ne répond pas."},
    {"4.4.2", "la connexion avec le serveur de destination a été interrompue."},
    {"4.3.1", "le serveur de destination manque momentanément d'espace de stockage."},
    {"5.1", "l'adresse du destinataire n'est pas valide."},
    {"4.1", "l'adresse du destinataire ne peut pas être vérifiée pour le moment."},
    {"5.2", "la boîte aux lettres du destinataire ne peut pas recevoir ce message."},
    {"4.2", "la boîte aux lettres du destinataire est momentanément indisponible."},
    {"5.3", "le système de messagerie de destination ne peut pas accepter ce message."},
    {"4.3", "le système de messagerie de destination est momentanément indisponible."},
    {"5.4", "le message n'a pas pu être acheminé jusqu'au serveur de destination."},
    {"4.4", "un problème de réseau empêche pour le moment d'acheminer le message."},
    {"5.5", "le dialogue avec le serveur de destination a échoué."},
    {"4.5", "le dialogue avec le serveur de destination a échoué momentanément."},
    {"5.6", "le contenu du message n'est pas accepté par le serveur de destination."},
    {"4.6", "le contenu du message n'a pas pu être traité pour le moment."},
    {"5.7", "le message a été refusé pour une raison de sécurité."},
    {"4.7", "le message a été refusé momentanément pour une raison de sécurité."},
    {"5", "échec définitif de la remise."},
    {"4", "échec temporaire de la remise ; le serveur essaiera de nouveau."},
    {"2", "message remis."},
};

static const char *status_lookup(const char *code, size_t len)
{
	for (size_t i = 0; i < ARRAY_LEN(status_texts); i++) {
		const char *c = status_texts[i].code;
		if (strlen(c) == len && memcmp(c, code, len) == 0)
			return status_texts[i].text;
	}
	return NULL;
}

const char *tfr_status_text(const char *status)
{
	const char *t, *dot;
	size_t n;

	if (status == NULL || (status[0] != '2' && status[0] != '4' && status[0] != '5'))
		return "la remise n'a pas abouti.";
	n = strlen(status);
	if ((t = status_lookup(status, n)) != NULL)
		return t;
	dot = strchr(status + 2, '.');
	if (status[1] == '.' && dot != NULL && (t = status_lookup(status, (size_t)(dot - status))))
		return t;
	return status_lookup(status, 1);
}

/* -------------------------------------------------- other report parts */

int tfr_dsn_original_info(const char *subject_utf8, int64_t arrival, struct buf *out)
{
	if (buf_append_str(out, "Votre message d'origine :\n") < 0)
		return -1;
	if (subject_utf8 != NULL && buf_printf(out, "  Objet : %s\n", subject_utf8) < 0)
		return -1;
	if (arrival > 0) {
		if (buf_append_str(out, "  Reçu par le serveur le ") < 0 ||
		    tfr_format_date(arrival, out) < 0 || buf_append_str(out, "\n") < 0)
			return -1;
	}
	return 0;
}

int tfr_dsn_attachment_note(enum tfr_original o, uint64_t size, uint64_t cap, struct buf *out)
{
	switch (o) {
	case TFR_ORIG_NONE:
		return 0;
	case TFR_ORIG_HEADERS:
		return buf_append_str(out,
		                      "Les en-têtes de votre message sont joints à cet avis.\n");
	case TFR_ORIG_FULL:
		return buf_append_str(out, "Votre message est joint en entier à cet avis.\n");
	case TFR_ORIG_TOO_BIG:
		if (buf_append_str(out, "Votre message (") < 0 || tfr_format_size(size, out) < 0 ||
		    buf_append_str(out, ") dépasse la taille de ") < 0 ||
		    tfr_format_size(cap, out) < 0)
			return -1;
		return buf_append_str(out, " au-delà de laquelle il n'est pas renvoyé :\n"
		                           "seuls ses en-têtes sont joints à cet avis.\n");
	case TFR_ORIG_UNSAFE:
		break;
	}
	return buf_append_str(out, "Votre message ne peut pas être joint tel quel à cet avis :\n"
	                           "seuls ses en-têtes le sont.\n");
}

int tfr_closing(struct buf *out)
{
	return buf_append_str(out, "\nCe message est automatique : merci de ne pas y répondre.\n\n"
	                           "Cordialement,\n"
	                           "L'administrateur de la messagerie\n");
}

const char *tfr_mime_preamble(void)
{
	return "Ceci est un message au format MIME.\r\n";
}

/* -------------------------------------------------------- quota alerts */

const char *tfr_quota_subject(int level)
{
	switch (level) {
	case TFR_QUOTA_LEVEL_80:
		return "Votre boîte aux lettres est remplie à 80" TFR_NBSP "%";
	case TFR_QUOTA_LEVEL_90:
		return "Votre boîte aux lettres est remplie à 90" TFR_NBSP "% : libérez de "
		       "l'espace";
	case TFR_QUOTA_LEVEL_FULL:
		return "Votre boîte aux lettres est pleine : elle ne peut plus recevoir ni "
		       "envoyer de messages";
	}
	return NULL;
}

static int quota_usage_line(const char *bal, uint64_t used, uint64_t quota, struct buf *out)
{
	if (buf_printf(out, "La boîte aux lettres %s utilise actuellement\n", bal) < 0 ||
	    tfr_format_size(used, out) < 0 || buf_append_str(out, " sur les ") < 0 ||
	    tfr_format_size(quota, out) < 0 || buf_append_str(out, " de son quota, soit ") < 0 ||
	    tfr_format_percent(used, quota, out) < 0)
		return -1;
	return buf_append_str(out, ".\n\n");
}

static const char quota_advice[] =
    "Pour libérer de l'espace, supprimez les messages dont vous n'avez plus\n"
    "besoin, en particulier ceux qui comportent des pièces jointes\n"
    "volumineuses, puis videz la corbeille. Avant de supprimer un message,\n"
    "pensez à enregistrer dans le dossier du patient les documents que vous\n"
    "devez conserver.\n";

static const char *quota_lead(int level)
{
	switch (level) {
	case TFR_QUOTA_LEVEL_80:
		return "Votre boîte aux lettres a dépassé 80" TFR_NBSP "% de l'espace de stockage\n"
		       "qui lui est attribué.\n\n";
	case TFR_QUOTA_LEVEL_90:
		return "Votre boîte aux lettres a dépassé 90" TFR_NBSP "% de l'espace de stockage\n"
		       "qui lui est attribué : elle sera bientôt pleine.\n\n";
	}
	/* not "100 %": a delivery that would pass the quota also counts */
	return "Votre boîte aux lettres a atteint la limite de l'espace de stockage\n"
	       "qui lui est attribué : elle est pleine.\n\n";
}

static const char *quota_consequence(int level)
{
	if (level == TFR_QUOTA_LEVEL_FULL)
		return "Cette boîte aux lettres ne peut plus recevoir ni envoyer de messages\n"
		       "tant que de l'espace n'aura pas été libéré. Les messages qui vous\n"
		       "sont adressés sont refusés et leurs expéditeurs en sont avertis.\n"
		       "Nous vous invitons à libérer de l'espace dès maintenant.\n\n";
	return "Lorsque le quota sera atteint, cette boîte aux lettres ne pourra plus\n"
	       "recevoir ni envoyer de messages. Pour éviter toute interruption, nous\n"
	       "vous invitons à libérer de l'espace dès que possible.\n\n";
}

int tfr_quota_body(int level, const char *bal, uint64_t used, uint64_t quota, struct buf *out)
{
	if (tfr_quota_subject(level) == NULL)
		return -1;
	if (buf_append_str(out, "Bonjour,\n\n") < 0 || buf_append_str(out, quota_lead(level)) < 0 ||
	    quota_usage_line(bal, used, quota, out) < 0 ||
	    buf_append_str(out, quota_consequence(level)) < 0 ||
	    buf_append_str(out, quota_advice) < 0)
		return -1;
	return tfr_closing(out);
}

/* ------------------------------------------------------ French formats */

int tfr_format_uint(uint64_t v, struct buf *out)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	while (n > 0) {
		if (buf_append_u8(out, (uint8_t)digits[--n]) < 0)
			return -1;
		if (n > 0 && n % 3 == 0 && buf_append_str(out, TFR_NBSP) < 0)
			return -1;
	}
	return 0;
}

int tfr_format_size(uint64_t bytes, struct buf *out)
{
	static const char *const units[] = {"Ko", "Mo", "Go", "To", "Po", "Eo"};
	uint64_t unit = 1024, tenths;
	size_t k = 0;

	if (bytes < 1024) {
		if (tfr_format_uint(bytes, out) < 0)
			return -1;
		return buf_append_str(out, bytes < 2 ? TFR_NBSP "octet" : TFR_NBSP "octets");
	}
	while (k + 1 < ARRAY_LEN(units) && bytes / unit >= 1024) {
		unit *= 1024;
		k++;
	}
	/* rounded to a tenth without overflow: (bytes % unit) * 10 < 10 * 2^60 */
	tenths = bytes / unit * 10 + ((bytes % unit) * 10 + unit / 2) / unit;
	if (tenths >= 10240 && k + 1 < ARRAY_LEN(units)) {
		tenths = 10; /* 1023.95 Ko rounds up to 1 Mo */
		k++;
	}
	if (tenths >= 1000) /* no decimal from 100 on */
		tenths = (tenths + 5) / 10 * 10;
	if (tfr_format_uint(tenths / 10, out) < 0)
		return -1;
	if (tenths % 10 != 0 && buf_printf(out, ",%u", (unsigned)(tenths % 10)) < 0)
		return -1;
	return buf_printf(out, TFR_NBSP "%s", units[k]);
}

int tfr_format_percent(uint64_t used, uint64_t quota, struct buf *out)
{
	uint64_t pct, rest;

	if (quota == 0) {
		pct = 100;
	} else {
		rest = used % quota; /* rest * 100 / quota without overflow */
		pct = used / quota * 100 +
		      (quota <= UINT64_MAX / 100 ? rest * 100 / quota : rest / (quota / 100));
	}
	if (used < quota && pct >= 100)
		pct = 99; /* "100 %" only once the quota is really reached */
	if (tfr_format_uint(pct, out) < 0)
		return -1;
	return buf_append_str(out, TFR_NBSP "%");
}

static unsigned weekday(int64_t days) /* 0 = Sunday */
{
	int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
	return (unsigned)(w < 0 ? w + 7 : w);
}

/* Unix time of 01:00 UTC on the last Sunday of month m (31 days long). */
static int64_t last_sunday_0100(int64_t y, unsigned m)
{
	int64_t d = days_from_civil(y, m, 31);
	return (d - weekday(d)) * 86400 + 3600;
}

/* EU rule (directive 2000/84/EC): summer time from the last Sunday of
 * March to the last Sunday of October, switching at 01:00 UTC. */
static int paris_offset(int64_t t)
{
	int64_t y;
	unsigned m, d;

	civil_from_days((t >= 0 ? t : t - 86399) / 86400, &y, &m, &d);
	return t >= last_sunday_0100(y, 3) && t < last_sunday_0100(y, 10) ? 7200 : 3600;
}

int tfr_paris_offset(int64_t t)
{
	return paris_offset(t);
}

int tfr_format_date(int64_t t, struct buf *out)
{
	static const char *const wdays[] = {"dimanche", "lundi",    "mardi", "mercredi",
	                                    "jeudi",    "vendredi", "samedi"};
	static const char *const months[] = {"janvier",   "février", "mars",     "avril",
	                                     "mai",       "juin",    "juillet",  "août",
	                                     "septembre", "octobre", "novembre", "décembre"};
	int64_t local, days, secs, y;
	unsigned m, d;

	if (t < 0 || t > INT64_C(253402300799)) /* up to 9999-12-31 */
		t = 0;
	local = t + paris_offset(t);
	days = local / 86400;
	secs = local % 86400;
	civil_from_days(days, &y, &m, &d);
	return buf_printf(out, "%s %u%s %s %lld à %02u:%02u (heure de Paris)", wdays[weekday(days)],
	                  d, d == 1 ? "er" : "", months[m - 1], (long long)y,
	                  (unsigned)(secs / 3600), (unsigned)(secs % 3600 / 60));
}

/* ------------------------------------------- BAL lifecycle (EX_GBM_6021, CNIL) */

const char *tfr_delreq_ack_subject(void)
{
	return "Accusé de réception de votre demande de suppression de BAL";
}

int tfr_delreq_ack_body(const char *bal, uint64_t id, int64_t created, struct buf *out)
{
	if (buf_printf(out,
	               "Bonjour,\n\n"
	               "Votre demande de suppression de la boîte aux lettres %s a bien été "
	               "enregistrée sous le numéro %llu, le ",
	               bal, (unsigned long long)id) < 0 ||
	    tfr_format_date(created, out) < 0 ||
	    buf_append_str(out, ".\n\n"
	                        "Elle sera examinée par l'opérateur de la messagerie. Jusqu'à sa "
	                        "décision, la boîte ne reçoit plus de messages mais reste "
	                        "consultable : pensez à conserver ce dont vous avez besoin. Si elle est acceptée, la boîte et tous ses messages "
	                        "seront supprimés définitivement, et son adresse ne sera jamais "
	                        "attribuée à une autre personne.\n\n"
	                        "Si vous n'êtes pas à l'origine de cette demande, contactez sans "
	                        "délai l'opérateur de votre messagerie.\n") < 0)
		return -1;
	return tfr_closing(out);
}

const char *tfr_inactivity_subject(void)
{
	return "Votre boîte aux lettres est inactive";
}

static const char *inactivity_action(int action)
{
	switch (action) {
	case TFR_INACT_SUSPEND:
		return "sera suspendue (plus de réception ni d'accès) ";
	case TFR_INACT_DELETE:
		return "pourra être supprimée avec tous ses messages, sur décision de l'opérateur, ";
	default:
		return NULL;
	}
}

int tfr_inactivity_body(const char *bal, int64_t last, int action, int64_t when,
                        struct buf *out)
{
	const char *what = inactivity_action(action);

	if (buf_printf(out, "Bonjour,\n\nLa boîte aux lettres %s n'a fait l'objet d'aucune "
	                    "connexion ",
	               bal) < 0)
		return -1;
	if (last == 0 ? buf_append_str(out, "depuis sa création") < 0
	              : buf_append_str(out, "depuis le ") < 0 || tfr_format_date(last, out) < 0)
		return -1;
	if (buf_append_str(out, ".\n\n") < 0)
		return -1;
	if (what != NULL && (buf_printf(out, "Sans connexion de votre part, elle %sà partir du ",
	                                what) < 0 ||
	                     tfr_format_date(when, out) < 0 || buf_append_str(out, ".\n") < 0))
		return -1;
	if (buf_append_str(out, "Il vous suffit de vous connecter à votre messagerie pour "
	                        "signaler que vous l'utilisez toujours : cette connexion vaut "
	                        "opposition et annule cet avertissement.\n") < 0)
		return -1;
	return tfr_closing(out);
}

/* ------------------------------------- Sieve redirect refusals (RE_GBM_4480) */

static const char *const redirect_reasons[TFR_REDIRECT_COUNT] = {
    [TFR_REDIRECT_BAD_ADDRESS] = "ce n'est pas une adresse de messagerie valide.",
    [TFR_REDIRECT_SELF] = "c'est l'adresse de la boîte elle-même.",
    [TFR_REDIRECT_UNKNOWN_LOCAL] = "aucune boîte aux lettres n'existe à cette adresse.",
    [TFR_REDIRECT_NOT_IN_ANNUAIRE] = "cette adresse ne figure pas dans l'Annuaire Santé des "
                                     "boîtes aux lettres MSSanté.",
    [TFR_REDIRECT_NO_ANNUAIRE] = "l'Annuaire Santé des boîtes aux lettres MSSanté n'est pas "
                                 "disponible pour vérifier le détenteur de cette adresse.",
    [TFR_REDIRECT_NOT_PER] = "ce n'est pas une boîte aux lettres personnelle (PER).",
    [TFR_REDIRECT_OTHER_HOLDER] = "cette boîte aux lettres est détenue par un autre "
                                  "professionnel.",
    [TFR_REDIRECT_STRUCTURE_OFF] = "le transfert automatique n'est pas activé pour cette "
                                   "boîte aux lettres.",
    [TFR_REDIRECT_OUTSIDE_TRUST] = "ce domaine n'appartient pas à l'espace de confiance "
                                   "MSSanté.",
};

/* target with control characters replaced by '?', cut at 254 bytes. */
static void redirect_target(const char *target, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; target != NULL && target[i] != '\0' && i + 1 < outsz && i < 254; i++)
		out[i] = (unsigned char)target[i] < 0x20 || target[i] == 0x7f ? '?' : target[i];
	out[i] = '\0';
}

int tfr_redirect_refusal(enum tfr_redirect why, const char *target, const char *bal_type,
                         struct buf *out)
{
	char t[256];
	bool per = bal_type == NULL || strcmp(bal_type, "PER") == 0;

	if ((unsigned)why >= TFR_REDIRECT_COUNT)
		return -1;
	redirect_target(target, t, sizeof(t));
	if (buf_printf(out, "Le transfert vers « %s » est refusé : %s", t, redirect_reasons[why]) <
	    0)
		return -1;
	if (per)
		return buf_append_str(out, " Règle RE_GBM_4480 de l'espace de confiance MSSanté : "
		                           "une boîte aux lettres personnelle (PER) ne peut transférer "
		                           "automatiquement ses messages que vers une autre boîte "
		                           "aux lettres PER MSSanté détenue par le même professionnel "
		                           "(même RPPS).");
	return buf_printf(out, " Pour les boîtes aux lettres de type %s, le transfert "
	                       "automatique est désactivé par défaut ; l'opérateur peut "
	                       "l'autoriser vers les seuls domaines de l'espace de confiance "
	                       "MSSanté.",
	                  bal_type);
}
