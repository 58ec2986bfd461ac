/*
 * Shared loop driver for the bench workload generators: one tight loop of one
 * operation, bounded by time (-d seconds) and/or count (-n ops), optionally
 * rate-limited (-r ops/s). Prints one JSON line on stdout when done:
 *   {"ops":N,"seconds":S,"ops_per_sec":R,"pid":P}
 * Time is CLOCK_MONOTONIC (the clock of bpf_ktime_get_ns, so the harness can
 * compare record timestamps with generation times).
 */
#ifndef RG_BENCH_COMMON_H
#define RG_BENCH_COMMON_H
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rg_opts {
	double seconds;      /* 0: no time bound */
	unsigned long long n; /* 0: no count bound */
	double rate;         /* ops/s; 0: as fast as possible */
	const char *arg;     /* workload-specific positional argument (a path) */
};

static double rg_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void rg_die(const char *what)
{
	fprintf(stderr, "%s: %s\n", what, strerror(errno));
	exit(2);
}

static struct rg_opts rg_parse(int argc, char **argv, const char *usage)
{
	struct rg_opts o = { .seconds = 0, .n = 0, .rate = 0, .arg = NULL };
	int c;

	while ((c = getopt(argc, argv, "d:n:r:")) != -1) {
		switch (c) {
		case 'd': o.seconds = atof(optarg); break;
		case 'n': o.n = strtoull(optarg, NULL, 10); break;
		case 'r': o.rate = atof(optarg); break;
		default:
			fprintf(stderr, "usage: %s [-d seconds] [-n ops] [-r ops_per_sec] %s\n", argv[0], usage);
			exit(2);
		}
	}
	if (optind < argc)
		o.arg = argv[optind];
	if (o.seconds <= 0 && o.n == 0)
		o.seconds = 1;
	return o;
}

/*
 * Runs op() until a bound is reached. The clock is read once per `check` ops
 * (a clock read per op would cost as much as a cheap syscall); under -r the
 * loop sleeps whenever it is ahead of rate * elapsed.
 */
static void rg_run(const struct rg_opts *o, int (*op)(void *), void *ctx, unsigned check)
{
	unsigned long long done = 0;
	double start = rg_now(), now = start, end;

	if (o->rate > 0 && check > 64)
		check = 64;
	for (;;) {
		for (unsigned i = 0; i < check; i++) {
			if (op(ctx) < 0)
				rg_die("operation failed");
			done++;
			if (o->n && done >= o->n)
				goto out;
		}
		now = rg_now();
		if (o->seconds > 0 && now - start >= o->seconds)
			break;
		if (o->rate > 0) {
			double ahead = done / o->rate - (now - start);

			if (ahead > 50e-6) {
				struct timespec ts = { (time_t)ahead, (long)((ahead - (time_t)ahead) * 1e9) };

				nanosleep(&ts, NULL);
			}
		}
	}
out:
	end = rg_now();
	printf("{\"ops\":%llu,\"seconds\":%.6f,\"ops_per_sec\":%.1f,\"pid\":%d,\"start_mono_ns\":%.0f}\n", done,
	       end - start, done / (end - start), getpid(), start * 1e9);
	fflush(stdout);
}
#endif
