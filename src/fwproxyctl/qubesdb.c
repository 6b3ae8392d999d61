#include "qubesdb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"

char *ctl_qubesdb_multiread(const char *prefix, char *err, size_t errlen)
{
	char *argv[] = {(char *)"qubesdb-multiread", (char *)prefix, NULL};
	char *out = NULL;
	int rc = ctl_exec(argv, NULL, &out, 1);

	if (rc == 0 && out != NULL)
		return out;
	free(out);
	if (rc == 127)
		snprintf(err, errlen,
		         "qubesdb-multiread not found: QubesDB exists only in "
		         "a Qubes VM");
	else
		snprintf(err, errlen, "qubesdb-multiread %s failed (%s %d)",
		         prefix, rc < 0 ? "signal" : "exit", rc);
	return NULL;
}

char *ctl_qubesdb_read(const char *key)
{
	char *argv[] = {(char *)"qubesdb-read", (char *)key, NULL};
	char *out = NULL;
	size_t n;

	if (ctl_exec(argv, NULL, &out, 1) != 0 || out == NULL) {
		free(out);
		return NULL;
	}
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return out;
}
