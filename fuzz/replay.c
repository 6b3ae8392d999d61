/* Feeds every file in the folders named on the command line once to a
 * libFuzzer target, so that the committed corpus is replayed by every
 * test run without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads all of path into an exact-size allocation, so that an over-read
 * shows under AddressSanitizer. Returns NULL when it is not a file. */
static uint8_t *slurp(const char *path, size_t *size)
{
	struct stat st;
	uint8_t *data;
	FILE *f;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	data = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (data == NULL ||
	    fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		exit(1);
	}
	fclose(f);
	*size = (size_t)st.st_size;
	return data;
}

int main(int argc, char **argv)
{
	int i, n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FOLDER...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++) {
		DIR *d = opendir(argv[i]);
		struct dirent *e;

		if (d == NULL) {
			perror(argv[i]);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			char path[4096];
			uint8_t *data;
			size_t size = 0;

			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
			         e->d_name);
			data = slurp(path, &size);
			if (data == NULL)
				continue;
			LLVMFuzzerTestOneInput(data, size);
			free(data);
			n++;
		}
		closedir(d);
	}
	printf("# %s: replayed %d inputs\n", argv[0], n);
	return 0;
}
