/* Reading the files an operator names (configuration, rules, templates,
 * pages): regular files only, read whole up to a bound, never blocking. */
#ifndef FWPROXY_FILE_H
#define FWPROXY_FILE_H

#include <stddef.h>

/* NULL when path (symbolic links followed) is a regular file; else a
 * message for "PATH: MESSAGE", written to err (errlen bytes): "is a
 * directory", "is a FIFO (named pipe), not a regular file", "is a
 * dangling symbolic link", strerror(errno), ... Returns err then. */
const char *file_check_regular(const char *path, char *err, size_t errlen);

/* Reads the regular file at path whole. A FIFO, device, socket or
 * directory is refused before it is opened (nothing blocks, no device is
 * touched), and so is a file over max bytes; reading stops after max + 1
 * bytes, so a file that grows costs no more. Returns a buffer of *len
 * bytes plus a terminating NUL (free it), or NULL with the message in err
 * as for file_check_regular ("larger than N bytes" for a large file). */
char *file_read(const char *path, size_t max, size_t *len, char *err,
                size_t errlen);

#endif
