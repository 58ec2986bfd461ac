/*
 * TCP connect() over loopback to a listener this program starts itself on
 * 127.0.0.1 (ephemeral port, accepted and closed by a second thread). The
 * client closes with SO_LINGER {1, 0} (RST), so no TIME_WAIT sockets pile up
 * and the ephemeral port range is not exhausted.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include "common.h"

static struct sockaddr_in addr;

static void *acceptor(void *p)
{
	int lfd = *(int *)p;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

static int op(void *ctx)
{
	struct linger lg = { 1, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	(void)ctx;
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return close(fd);
}

int main(int argc, char **argv)
{
	struct rg_opts o = rg_parse(argc, argv, "");
	socklen_t len = sizeof(addr);
	pthread_t t;
	int lfd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 4096) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &len) < 0)
		rg_die("listener");
	if (pthread_create(&t, NULL, acceptor, &lfd))
		rg_die("pthread_create");
	rg_run(&o, op, NULL, 16);
	return 0;
}
