/* SPDX-License-Identifier: GPL-2.0-only */
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "log.h"

/*
 * Circular buffer of the last RG_LOG_TAIL_BYTES bytes. libbpf may print from
 * the ring-buffer worker thread too, hence the mutex.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_ring[RG_LOG_TAIL_BYTES];
static size_t log_head;  /* next write position */
static size_t log_total; /* bytes written since reset (saturates the ring) */
static bool log_debug;

static void ring_append(const char *s, size_t n)
{
	/* Only the last RG_LOG_TAIL_BYTES of a long message (a verifier log can be MiBs) matter. */
	if (n > RG_LOG_TAIL_BYTES) {
		s += n - RG_LOG_TAIL_BYTES;
		n = RG_LOG_TAIL_BYTES;
	}
	size_t first = RG_LOG_TAIL_BYTES - log_head;
	if (first > n)
		first = n;
	memcpy(log_ring + log_head, s, first);
	memcpy(log_ring, s + first, n - first);
	log_head = (log_head + n) % RG_LOG_TAIL_BYTES;
	log_total += n;
}

static int capture(enum libbpf_print_level level, const char *fmt, va_list args)
{
	if (level == LIBBPF_DEBUG && !log_debug)
		return 0;

	va_list copy;
	va_copy(copy, args);
	int len = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (len <= 0)
		return len;

	char stack[512];
	char *msg = (size_t)len < sizeof(stack) ? stack : malloc((size_t)len + 1);
	if (!msg)
		return 0;
	vsnprintf(msg, (size_t)len + 1, fmt, args);

	if (log_debug)
		fputs(msg, stderr);
	pthread_mutex_lock(&log_lock);
	ring_append(msg, (size_t)len);
	pthread_mutex_unlock(&log_lock);

	if (msg != stack)
		free(msg);
	return len;
}

void rg_log_install(void)
{
	const char *debug = getenv("RAND_GUARD_LIBBPF_DEBUG");
	log_debug = debug && *debug && strcmp(debug, "0") != 0;
	libbpf_set_print(capture);
}

void rg_log_reset(void)
{
	pthread_mutex_lock(&log_lock);
	log_head = 0;
	log_total = 0;
	pthread_mutex_unlock(&log_lock);
}

size_t rg_log_tail(char *out, size_t cap)
{
	if (cap == 0)
		return 0;
	pthread_mutex_lock(&log_lock);
	size_t n = log_total < RG_LOG_TAIL_BYTES ? log_total : RG_LOG_TAIL_BYTES;
	bool cut = log_total > RG_LOG_TAIL_BYTES;
	size_t start = (log_head + RG_LOG_TAIL_BYTES - n) % RG_LOG_TAIL_BYTES;
	if (n > cap - 1) {
		start = (start + n - (cap - 1)) % RG_LOG_TAIL_BYTES;
		n = cap - 1;
		cut = true;
	}
	size_t first = RG_LOG_TAIL_BYTES - start;
	if (first > n)
		first = n;
	memcpy(out, log_ring + start, first);
	memcpy(out + first, log_ring, n - first);
	pthread_mutex_unlock(&log_lock);
	out[n] = '\0';

	/* A cut tail starts mid-line: drop the fragment so the text starts cleanly. */
	if (cut) {
		char *nl = memchr(out, '\n', n);
		if (nl && (size_t)(nl - out) + 1 < n) {
			size_t skip = (size_t)(nl - out) + 1;
			memmove(out, out + skip, n - skip + 1);
			n -= skip;
		}
	}
	return n;
}
