/* fork() + execve("/bin/true") + waitpid(): the process workload (exec storm). */
#include <sys/wait.h>
#include "common.h"

static int op(void *ctx)
{
	char *const args[] = { "true", NULL };
	char *const env[] = { NULL };
	int status;
	pid_t pid = fork();

	(void)ctx;
	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve("/bin/true", args, env);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct rg_opts o = rg_parse(argc, argv, "");

	rg_run(&o, op, NULL, 1);
	return 0;
}
