/* File paths as a configuration names them: relative to the file that
 * names them, so a configuration works from any current directory. */
#ifndef FWPROXY_PATH_H
#define FWPROXY_PATH_H

/* path as seen from the folder of file: path itself when it is absolute
 * or file names no folder ("fwproxy.conf", "(built-in template)"), else
 * that folder, '/', and path ("/etc/fwproxy/work.conf" and "work.rules"
 * give "/etc/fwproxy/work.rules"). Purely textual: nothing is opened, no
 * link is followed. The caller frees the result. */
char *path_beside(const char *file, const char *path);

/* path made absolute against the current directory ("a/b.conf" run in
 * /srv gives "/srv/a/b.conf"), textually as path_beside; path itself when
 * it is absolute. Returns NULL with errno set when the current directory
 * cannot be read. The caller frees the result. */
char *path_absolute(const char *path);

#endif
