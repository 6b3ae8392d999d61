/* libFuzzer target: the configuration parser on arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ctx, const char *file, int line, int is_error,
                 const char *msg)
{
	size_t *total = ctx;

	/* Touch every byte so that a bad message pointer shows up here. */
	*total += strlen(file) + strlen(msg) + (size_t)line + (size_t)is_error;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total = 0;
	struct config *cfg;
	uint8_t addr[16] = {0};

	cfg =
	    config_load_buffer("fuzz", (const char *)data, size, sink, &total);
	if (cfg != NULL) {
		if (size >= 16)
			memcpy(addr, data, 16);
		config_client_allowed(cfg, addr);
		config_destination_allowed(cfg, addr);
		config_upstream_for(cfg, "www.example.com", addr);
		config_upstream_for(cfg, "intranet", NULL);
		config_connect_port_allowed(cfg, 443);
		config_error_file(cfg, 404);
	}
	config_free(cfg);
	return 0;
}
