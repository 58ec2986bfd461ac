/*
 * 1-byte write() to one file opened once: the file-write workload. The offset
 * is rewound every 64Ki writes so the file stays small (lseek is not traced).
 */
#include <fcntl.h>
#include "common.h"

struct ctx {
	int fd;
	unsigned n;
};

static int op(void *p)
{
	struct ctx *c = p;

	if (write(c->fd, "x", 1) != 1)
		return -1;
	if (++c->n == 65536) {
		c->n = 0;
		lseek(c->fd, 0, SEEK_SET);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rg_opts o = rg_parse(argc, argv, "PATH");
	struct ctx c = { .fd = -1, .n = 0 };

	if (!o.arg) {
		fprintf(stderr, "write_loop: PATH required\n");
		return 2;
	}
	c.fd = open(o.arg, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (c.fd < 0)
		rg_die(o.arg);
	rg_run(&o, op, &c, 256);
	close(c.fd);
	return 0;
}
