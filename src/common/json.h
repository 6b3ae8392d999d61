/* Building one-line JSON objects for the log. */
#ifndef FWPROXY_JSON_H
#define FWPROXY_JSON_H

#include "buf.h"

/* Appends ,"key":"value" (the comma only when b is not empty), with value
 * escaped as a JSON string. */
void json_string(struct buf *b, const char *key, const char *value);

/* Appends ,"key":number. */
void json_number(struct buf *b, const char *key, long long value);

#endif
