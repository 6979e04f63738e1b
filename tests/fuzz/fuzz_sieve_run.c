/* SPDX-License-Identifier: ISC */
/* Fuzz target: compile then run on a fuzzed message. The input is
 * "script NUL message"; without a NUL, the whole input is the message and
 * a fixed set of scripts (every test and extension) runs on it. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sieve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const scripts[] = {
    "require [\"fileinto\", \"envelope\", \"variables\", \"imap4flags\", \"copy\", \"relational\","
    " \"comparator-i;ascii-numeric\", \"subaddress\", \"index\", \"date\"];\n"
    "if header :matches \"subject\" \"*a?b*\" { set :upper \"s\" \"${1}\"; fileinto \"${s}\"; }\n"
    "if address :detail :contains [\"from\", \"to\", \"cc\", \"sender\"] \"x\" { addflag \"\\\\Seen\"; }\n"
    "if address :count \"gt\" :comparator \"i;ascii-numeric\" \"to\" \"2\" { keep; }\n"
    "if header :index 2 :last :value \"ge\" \"received\" \"a\" { redirect :copy \"a@b.c\"; }\n"
    "if date :originalzone :matches \"date\" \"std11\" \"*\" { set \"d\" \"${0}\"; }\n"
    "if envelope :domain \"from\" \"example.org\" { discard; }\n"
    "if exists \"x-a\" { stop; } if size :over 10K { fileinto :copy \"Big\"; }\n",
    "require [\"body\", \"variables\", \"fileinto\"];\n"
    "if body :text :contains \"x\" { fileinto \"T\"; }\n"
    "if body :raw :matches \"*\\r\\n*\" { keep; }\n"
    "if body :content [\"text/html\", \"application\", \"\"] :matches \"*<*>*\" { set \"t\" \"${2}\"; }\n",
    "require [\"vacation\", \"duplicate\", \"reject\", \"date\", \"mailbox\", \"relational\"];\n"
    "if duplicate { discard; stop; }\n"
    "if currentdate :value \"lt\" \"hour\" \"12\" { vacation :addresses \"b@x.org\" \"Away\"; }\n"
    "elsif mailboxexists \"X\" { reject \"no\"; }\n",
};

static struct sieve_script *compiled[sizeof(scripts) / sizeof(scripts[0])];

static void run(const struct sieve_script *s, const uint8_t *msg, size_t len)
{
	struct sieve_msg_env env;
	struct sieve_result r;

	memset(&env, 0, sizeof(env));
	env.msg = msg;
	env.len = len;
	env.mail_from = "x@example.org";
	env.rcpt_to = "b@x.org";
	env.now = 1796117400;
	sieve_run(s, &env, &r);
	if (r.n == 0 || (r.error != NULL && r.n != 1))
		abort();
	sieve_result_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	struct sieve_error err;

	if (compiled[0] == NULL)
		for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
			if (sieve_compile(scripts[i], strlen(scripts[i]), NULL, &compiled[i], &err) < 0)
				abort();
	if (nul != NULL) {
		struct sieve_script *s = NULL;
		if (sieve_compile((const char *)data, (size_t)(nul - data), NULL, &s, &err) == 0) {
			run(s, nul + 1, size - (size_t)(nul - data) - 1);
			sieve_script_free(&s);
		}
		return 0;
	}
	for (size_t i = 0; i < sizeof(scripts) / sizeof(scripts[0]); i++)
		run(compiled[i], data, size);
	return 0;
}
