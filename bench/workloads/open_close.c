/* open()+close() of one path, read-only: the file-open workload (watched or unwatched path). */
#include <fcntl.h>
#include "common.h"

static int op(void *ctx)
{
	int fd = open((const char *)ctx, O_RDONLY);

	if (fd < 0)
		return -1;
	return close(fd);
}

int main(int argc, char **argv)
{
	struct rg_opts o = rg_parse(argc, argv, "PATH");

	if (!o.arg) {
		fprintf(stderr, "open_close: PATH required\n");
		return 2;
	}
	rg_run(&o, op, (void *)o.arg, 256);
	return 0;
}
