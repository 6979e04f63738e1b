/* SPDX-License-Identifier: ISC */
/* RFC 5173 (body): :raw (§5.1), :content (§5.2), :text (§5.3, the
 * default), transfer encodings and charsets undone (§5.2), MIME structure
 * followed through multiparts. */
#include "config.h"

#include "sieve_check_util.h"

#define B "require \"body\"; "

static const char mime_msg[] =
    "From: a@example.org\r\n"
    "To: alice@example.com\r\n"
    "Subject: multi\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"XX\"\r\n"
    "\r\n"
    "preamble\r\n"
    "--XX\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "Ordonnance jointe, r=E9sultat normal.\r\n"
    "--XX\r\n"
    "Content-Type: text/html\r\n"
    "\r\n"
    "<p>Hello HTML</p>\r\n"
    "--XX\r\n"
    "Content-Type: application/pdf\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "JVBERi0xLjQKc2VjcmV0Cg==\r\n"
    "--XX--\r\n";

static const struct sc_vec vecs[] = {
    {"5173 5.3 default :text", B "if body :contains \"résultat\" { discard; }", "discard", mime_msg},
    {"5173 5.3 :text html", B "if body :text :contains \"Hello HTML\" { discard; }", "discard",
     mime_msg},
    {"5173 5.3 :text no pdf", B "if body :text :contains \"secret\" { discard; }", "keep", mime_msg},
    {"5173 5.2 :content decoded", B "if body :content \"application/pdf\" :contains \"secret\" "
     "{ discard; }", "discard", mime_msg},
    {"5173 5.2 :content type only", B "if body :content \"text\" :contains \"HTML\" { discard; }",
     "discard", mime_msg},
    {"5173 5.2 :content plain", B "if body :content \"text/plain\" :contains \"HTML\" { discard; }",
     "keep", mime_msg},
    {"5173 5.2 :content all", B "if body :content \"\" :contains \"secret\" { discard; }", "discard",
     mime_msg},
    {"5173 5.1 :raw", B "if body :raw :contains \"r=E9sultat\" { discard; }", "discard", mime_msg},
    {"5173 5.1 :raw not decoded", B "if body :raw :contains \"secret\" { discard; }", "keep",
     mime_msg},
    {"5173 5.1 :raw preamble", B "if body :raw :contains \"preamble\" { discard; }", "discard",
     mime_msg},
    {"5173 5.3 :text no preamble", B "if body :text :contains \"preamble\" { discard; }", "keep",
     mime_msg},
    {"5173 simple message", B "if body :contains \"reunion\" { discard; }", "discard"},
    {"5173 :matches", B "if body :matches \"*10h*\" { discard; }", "discard"},
    {"5173 needs require", "if body :contains \"a\" { keep; }", "compile"},
    {"5173 two transforms", B "if body :raw :text :contains \"a\" { keep; }", "compile"},
    {"5173 :content needs list", B "if body :content :contains \"a\" { keep; }", "compile"},
};

static void extra(TCase *tc)
{
	(void)tc;
}

SC_SUITE("sieve_5173", vecs, NULL, NULL, extra)
