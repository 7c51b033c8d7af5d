/* main() for building a fuzz target with a plain compiler: runs every file
 * named (directories are walked one level) through LLVMFuzzerTestOneInput.
 * A finding aborts, exactly as under the fuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Only the C library: this file is installed with the SDK. */
static int read_all(const char *path, uint8_t **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return -1;
	size_t cap = 4096, n = 0;
	uint8_t *buf = malloc(cap);
	for (size_t k; buf && (k = fread(buf + n, 1, cap - n, fp)) > 0;) {
		n += k;
		if (n == cap) {
			uint8_t *bigger = realloc(buf, cap *= 2);
			if (!bigger)
				free(buf);
			buf = bigger;
		}
	}
	int bad = ferror(fp) || !buf;
	fclose(fp);
	if (bad) {
		free(buf);
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* Weak: a target may have no initializer. */
__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	uint8_t *buf;
	size_t len;
	if (read_all(path, &buf, &len)) {
		fprintf(stderr, "%s: cannot read\n", path);
		return 2;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	printf("%s: ok\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	int status = 0, n = 0;
	if (argc < 2 || !strcmp(argv[1], "--help")) {
		fprintf(argc < 2 ? stderr : stdout, "usage: %s FILE|DIR...\n", argv[0]);
		return argc < 2 ? 2 : 0;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			struct dirent **names;
			int k = scandir(argv[i], &names, NULL, alphasort);
			for (int j = 0; j < k; j++) {
				char path[4096];
				snprintf(path, sizeof(path), "%s/%s", argv[i], names[j]->d_name);
				if (names[j]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
					status |= run_file(path);
					n++;
				}
				free(names[j]);
			}
			free(names);
		} else {
			status |= run_file(argv[i]);
			n++;
		}
	}
	printf("replayed %d inputs\n", n);
	return status;
}
