/* SPDX-License-Identifier: ISC */
/* RFC 5229 (variables): set and its modifiers (§4.1), ${...} expansion
 * (§3), match variables (§3.2), the string test (§5); and RFC 5228
 * §2.4.2.4 encoded-character, which shares the "${" syntax. */
#include "config.h"

#include "sieve_check_util.h"

#define V "require [\"variables\", \"fileinto\"]; "

static const struct sc_vec vecs[] = {
    {"5229 4", V "set \"a\" \"Box\"; fileinto \"${a}\";", "fileinto:Box"},
    {"5229 3 case-insensitive names", V "set \"Name\" \"x\"; fileinto \"${NAME}\";", "fileinto:x"},
    {"5229 3 undefined is empty", V "fileinto \"a${nope}b\";", "fileinto:ab"},
    {"5229 3 not a reference", V "fileinto \"${a b}${}$x{\";", "fileinto:${a b}${}$x{"},
    {"5229 3 no require", "require \"fileinto\"; fileinto \"${a}\";", "fileinto:${a}"},
    {"5229 4.1 :lower", V "set :lower \"a\" \"AbC\"; fileinto \"${a}\";", "fileinto:abc"},
    {"5229 4.1 :upper", V "set :upper \"a\" \"AbC\"; fileinto \"${a}\";", "fileinto:ABC"},
    {"5229 4.1 :upperfirst", V "set :upperfirst \"a\" \"abc\"; fileinto \"${a}\";",
     "fileinto:Abc"},
    {"5229 4.1 :lower :upperfirst", V "set :lower :upperfirst \"a\" \"ABC\"; fileinto \"${a}\";",
     "fileinto:Abc"},
    {"5229 4.1 :lowerfirst", V "set :lowerfirst \"a\" \"ABC\"; fileinto \"${a}\";",
     "fileinto:aBC"},
    {"5229 4.1 :quotewildcard", V "set :quotewildcard \"a\" \"a*b?c\\\\\"; fileinto \"${a}\";",
     "fileinto:a\\*b\\?c\\\\"},
    {"5229 4.1 :length", V "set :length \"a\" \"héllo\"; fileinto \"${a}\";", "fileinto:5"},
    {"5229 4.1 conflicting", V "set :lower :upper \"a\" \"b\";", "compile"},
    {"5229 4 bad name", V "set \"1a\" \"b\";", "compile"},
    {"5229 4 bad name dash", V "set \"a-b\" \"b\";", "compile"},
    {"5229 3.2 match vars",
     V "if header :matches \"from\" \"*<*@*>\" { fileinto \"${2}/${3}\"; }",
     "fileinto:jean.dupont+news/example.org"},
    {"5229 3.2 ${0}", V "if header :matches \"x-spam-score\" \"1?\" { fileinto \"${0}-${1}\"; }",
     "fileinto:12-2"},
    {"5229 3.2 shortest first",
     V "if header :matches \"x-spam-score\" \"*?\" { fileinto \"[${1}][${2}]\"; }",
     "fileinto:[1][2]"},
    {"5229 3.2 out of range", V "if true { fileinto \"x${9}y\"; }", "fileinto:xy"},
    {"5229 3.2 kept after failing match",
     V "if header :matches \"x-spam-score\" \"*2\" {} "
       "if header :matches \"x-spam-score\" \"9*\" {} fileinto \"${1}\";",
     "fileinto:1"},
    {"5229 5 string", V "set \"a\" \"abc\"; if string :is \"${a}\" \"abc\" { discard; }", "discard"},
    {"5229 5 string :count", "require [\"variables\", \"relational\", \"comparator-i;ascii-numeric\"];"
     " if string :count \"eq\" :comparator \"i;ascii-numeric\" [\"a\", \"\", \"b\"] \"2\" { discard; }",
     "discard"},
    {"5229 keys expanded", V "set \"k\" \"lundi\"; if header :contains \"subject\" \"${k}\" { discard; }",
     "discard"},
    {"5229 redirect via variable", V "set \"a\" \"x@example.net\"; redirect \"${a}\";",
     "redirect:x@example.net"},
    {"5229 redirect bad at run time", V "set \"a\" \"nonsense\"; redirect \"${a}\";",
     "keep error(invalid redirect address \"nonsense\")"},
    /* RFC 5228 §2.4.2.4 encoded-character */
    {"5228 2.4.2.4 hex", "require [\"encoded-character\", \"fileinto\"]; fileinto \"${hex:42 6f 78}\";",
     "fileinto:Box"},
    {"5228 2.4.2.4 unicode", "require [\"encoded-character\", \"fileinto\"]; fileinto \"${unicode:e9}t${UNICODE:0000e9}\";",
     "fileinto:\xc3\xa9t\xc3\xa9"},
    {"5228 2.4.2.4 bad stays", "require [\"encoded-character\", \"fileinto\"]; fileinto \"${hex:4g}${hex:}\";",
     "fileinto:${hex:4g}${hex:}"},
    {"5228 2.4.2.4 out of range", "require [\"encoded-character\"]; redirect \"${unicode:110000}@b.c\";",
     "compile"},
    {"5228 2.4.2.4 surrogate", "require [\"encoded-character\"]; redirect \"${unicode:d800}@b.c\";",
     "compile"},
    {"5228 2.4.2.4 without require", "require \"fileinto\"; fileinto \"${hex:42}\";",
     "fileinto:${hex:42}"},
};

static void extra(TCase *tc)
{
	(void)tc;
}

SC_SUITE("sieve_5229", vecs, NULL, NULL, extra)
