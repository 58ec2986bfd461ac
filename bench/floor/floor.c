/*
 * The floor of the bench: attaches a do-nothing BPF program (r0 = 0; exit) to each tracepoint
 * named on the command line and holds them until SIGINT/SIGTERM. A workload's slowdown under it
 * is the price of any program on those tracepoints; the agent's figure reads as floor + our cost.
 *
 * Arguments: "category/name" (a tracefs tracepoint, e.g. syscalls/sys_enter_openat, attached through
 * perf_event_open like libbpf's tracepoint programs) or "raw:name" (a raw tracepoint, standing in
 * for the agent's tp_btf programs). Prints "ready" on stdout once everything is attached.
 * Exit status 1 with the failing tracepoint named on stderr.
 */
#include <bpf/bpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const struct bpf_insn do_nothing[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load(enum bpf_prog_type type)
{
	return bpf_prog_load(type, "rg_floor", "GPL", do_nothing, 2, NULL);
}

/* Tracepoint id from tracefs (mounted at /sys/kernel/tracing or under debugfs). */
static long tracepoint_id(const char *tp)
{
	static const char *roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	char path[512];
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/events/%s/id", roots[i], tp);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		long id = -1;
		if (fscanf(f, "%ld", &id) != 1)
			id = -1;
		fclose(f);
		return id;
	}
	return -1;
}

static int attach_tracepoint(const char *tp, int prog)
{
	struct perf_event_attr attr = { .type = PERF_TYPE_TRACEPOINT, .size = sizeof(attr), .sample_period = 1, .wakeup_events = 1 };
	long id = tracepoint_id(tp);
	if (id < 0)
		return -1;
	attr.config = id;
	int pfd = syscall(__NR_perf_event_open, &attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -1;
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) < 0 || ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0) < 0)
		return -1;
	return 0;
}

static void on_signal(int sig) { (void)sig; }

int main(int argc, char **argv)
{
	int tp_prog = load(BPF_PROG_TYPE_TRACEPOINT), raw_prog = load(BPF_PROG_TYPE_RAW_TRACEPOINT);
	if (tp_prog < 0 || raw_prog < 0) {
		fprintf(stderr, "floor: loading the do-nothing program failed: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int err = strncmp(argv[i], "raw:", 4) == 0 ? (bpf_raw_tracepoint_open(argv[i] + 4, raw_prog) < 0 ? -1 : 0)
							    : attach_tracepoint(argv[i], tp_prog);
		if (err) {
			fprintf(stderr, "floor: attaching %s failed: %s\n", argv[i], strerror(errno));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("ready\n");
	fflush(stdout);
	pause();
	return 0;
}
