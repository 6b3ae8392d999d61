/* Paths relative to the configuration file that names them. */
#include "path.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

/* dir_len bytes of dir, a '/' unless dir ends in one, then path. */
static char *join(const char *dir, size_t dir_len, const char *path)
{
	size_t path_len = strlen(path);
	int slash = dir_len == 0 || dir[dir_len - 1] != '/';
	char *out = xmalloc(dir_len + (size_t)slash + path_len + 1);

	memcpy(out, dir, dir_len);
	if (slash)
		out[dir_len] = '/';
	memcpy(out + dir_len + (size_t)slash, path, path_len + 1);
	return out;
}

char *path_beside(const char *file, const char *path)
{
	const char *slash = strrchr(file, '/');

	if (path[0] == '/' || slash == NULL)
		return xstrdup(path);
	/* "/x.conf": the folder is "/", kept whole. */
	return join(file, (size_t)(slash - file) + (slash == file), path);
}

char *path_absolute(const char *path)
{
	char *cwd, *out;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return NULL;
	out = join(cwd, strlen(cwd), path);
	free(cwd);
	return out;
}
