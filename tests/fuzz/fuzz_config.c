/*
 * libFuzzer target for the config loader: any bytes, parsed as a config, must
 * either load (and free cleanly) or be refused with a JSON path and a message;
 * never crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rg_config cfg;
	struct rg_config_error err;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (rg_config_load_string(&cfg, text, &err) == 0) {
		rg_config_free(&cfg);
	} else if (err.path[0] != '$' || err.message[0] == '\0') {
		abort(); /* every refusal names where and why */
	}
	free(text);
	return 0;
}
