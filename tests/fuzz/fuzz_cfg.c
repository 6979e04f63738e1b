/* SPDX-License-Identifier: ISC */
/* Fuzz target: the configuration parser on arbitrary bytes. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];

	cfg_parse((const char *)data, size, "/fuzz/balise.conf", &cfg, err, sizeof(err));
	cfg_free(&cfg);
	return 0;
}
