/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <bpf/libbpf.h>

#include "args.h"
#include "log.h"
#include "worker.h"

/*
 * Batches in flight to JS. Small on purpose: when JS falls behind, the worker
 * blocks, the ring fills and the kernel counts drops, instead of this process
 * buffering without bound.
 */
#define RG_TSFN_QUEUE 8

/* Returned from the sample callback to make libbpf stop consuming. */
#define RG_ABORT (-ECANCELED)

struct rg_batch {
	size_t len;
	unsigned char data[];
};

struct rg_worker {
	/* Set on the JS thread before the thread starts, read-only afterwards. */
	struct ring_buffer *rb;
	napi_threadsafe_function tsfn;
	int poll_timeout_ms;
	size_t batch_bytes;
	struct rg_stats *stats;
	rg_worker_done_fn done;
	void *done_ctx;

	/* JS thread only. */
	pthread_t thread;
	bool thread_started;
	bool joined;
	bool cleanup_hook_registered;

	atomic_bool stop;

	/* Worker thread only. */
	bool closing; /* the threadsafe function refused a call: Node is tearing down */
	struct rg_batch *batch;
	size_t batch_cap;
};

static void count(_Atomic uint64_t *counter, uint64_t n)
{
	atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

/* ---- JS thread side ---------------------------------------------------- */

static void free_batch(napi_env env, void *data, void *hint)
{
	free(hint);
}

/* Delivers one batch to onBatch as an external Buffer (no copy); the Buffer's finalizer frees it. */
static void call_js(napi_env env, napi_value on_batch, void *context, void *data)
{
	struct rg_batch *batch = data;
	if (!env || !on_batch) { /* teardown: drop undelivered batches */
		free(batch);
		return;
	}

	napi_value buffer, undefined, ignored;
	if (napi_create_external_buffer(env, batch->len, batch->data, free_batch, batch, &buffer) != napi_ok) {
		free(batch);
		return;
	}
	if (napi_get_undefined(env, &undefined) != napi_ok)
		return;
	if (napi_call_function(env, undefined, on_batch, 1, &buffer, &ignored) == napi_ok)
		return;

	/*
	 * Node 20 only warns (DEP0168) about an exception escaping a threadsafe
	 * callback; rethrow it as a real uncaught exception so it is not lost.
	 */
	bool pending = false;
	napi_value error;
	if (napi_is_exception_pending(env, &pending) == napi_ok && pending &&
	    napi_get_and_clear_last_exception(env, &error) == napi_ok)
		napi_fatal_exception(env, error);
}

static void join_thread(struct rg_worker *w)
{
	if (w->thread_started && !w->joined) {
		pthread_join(w->thread, NULL);
		w->joined = true;
	}
}

/*
 * Environment teardown (process or worker_threads exit while running).
 * Registered before the threadsafe function, so Node runs it after closing
 * that function: a worker blocked on a full queue is already woken.
 */
static void on_env_cleanup(void *arg)
{
	struct rg_worker *w = arg;
	w->cleanup_hook_registered = false;
	atomic_store(&w->stop, true);
	join_thread(w);
}

/* Threadsafe function finalizer: all threads released it and the queue is drained. */
static void on_tsfn_finalize(napi_env env, void *data, void *hint)
{
	struct rg_worker *w = data;
	if (w->cleanup_hook_registered) {
		napi_remove_env_cleanup_hook(env, on_env_cleanup, w);
		w->cleanup_hook_registered = false;
	}
	join_thread(w);
	free(w->batch); /* non-NULL only when the thread never ran */
	ring_buffer__free(w->rb);
	if (w->thread_started && w->done)
		w->done(env, w->done_ctx);
	free(w);
}

/* ---- worker thread side ------------------------------------------------ */

/* Queues the current batch for JS, blocking while the queue is full. Returns false when Node refused it. */
static bool hand_over(struct rg_worker *w)
{
	struct rg_batch *batch = w->batch;
	w->batch = NULL;
	if (!batch || batch->len == 0) {
		free(batch);
		return true;
	}
	/* A partial batch would pin its whole capacity until GC: give the unused part back. */
	if (batch->len < w->batch_cap / 2) {
		struct rg_batch *shrunk = realloc(batch, sizeof(*batch) + batch->len);
		if (shrunk)
			batch = shrunk;
	}
	if (napi_call_threadsafe_function(w->tsfn, batch, napi_tsfn_blocking) != napi_ok) {
		free(batch);
		w->closing = true;
		return false;
	}
	count(&w->stats->batches, 1);
	return true;
}

static void put_le32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

/*
 * libbpf sample callback. Hands full batches over from right here: under
 * sustained load ring_buffer__poll/consume do not return, so waiting for the
 * end of the round would mean never delivering.
 */
static int on_sample(void *ctx, void *data, size_t size)
{
	struct rg_worker *w = ctx;
	size_t need = 4 + size;

	if (w->batch && w->batch->len + need > w->batch_cap && !hand_over(w))
		return RG_ABORT;
	if (!w->batch) {
		size_t cap = need > w->batch_bytes ? need : w->batch_bytes;
		w->batch = malloc(sizeof(*w->batch) + cap);
		if (!w->batch) {
			count(&w->stats->poll_errors, 1);
			return -ENOMEM; /* this record is lost; libbpf resumes at the next one */
		}
		w->batch->len = 0;
		w->batch_cap = cap;
	}

	unsigned char *p = w->batch->data + w->batch->len;
	put_le32(p, (uint32_t)size);
	memcpy(p + 4, data, size);
	w->batch->len += need;
	count(&w->stats->records, 1);
	count(&w->stats->bytes, size);

	/* Full, or an oversized record that got a batch of its own. */
	if (w->batch->len + 4 >= w->batch_cap && !hand_over(w))
		return RG_ABORT;
	return 0;
}

/* Accounts one poll/consume result; returns false when the worker must exit. */
static bool check_round(struct rg_worker *w, int ret)
{
	if (w->closing)
		return false;
	if (ret >= 0 || ret == -EINTR || ret == -ENOMEM)
		return true;
	count(&w->stats->poll_errors, 1);
	/* A persistent error (e.g. a closed fd) would otherwise spin a core. */
	struct timespec pause = {
		.tv_sec = w->poll_timeout_ms / 1000,
		.tv_nsec = (long)(w->poll_timeout_ms % 1000) * 1000000L,
	};
	nanosleep(&pause, NULL);
	return true;
}

static void *worker_main(void *arg)
{
	struct rg_worker *w = arg;

	while (!atomic_load(&w->stop)) {
		if (!check_round(w, ring_buffer__poll(w->rb, w->poll_timeout_ms)))
			break;
		/* The kernel side submits with BPF_RB_NO_WAKEUP: epoll alone misses data. */
		if (!check_round(w, ring_buffer__consume(w->rb)))
			break;
		if (!hand_over(w))
			break;
	}

	if (!w->closing) {
		/* Final drain: the programs are detached by now, so this ends. */
		check_round(w, ring_buffer__consume(w->rb));
		if (!w->closing && hand_over(w))
			napi_release_threadsafe_function(w->tsfn, napi_tsfn_release);
	}
	/* On napi_closing Node already dropped this thread's use of the tsfn: no release. */
	free(w->batch);
	w->batch = NULL;
	return NULL;
}

/* ---- API --------------------------------------------------------------- */

bool rg_worker_start(napi_env env, const struct rg_worker_config *cfg, struct rg_worker **out)
{
	struct rg_worker *w = calloc(1, sizeof(*w));
	if (!w) {
		rg_throw(env, RG_ERROR, "start: out of memory");
		return false;
	}
	w->poll_timeout_ms = cfg->poll_timeout_ms;
	w->batch_bytes = cfg->batch_bytes;
	w->stats = cfg->stats;
	w->done = cfg->done;
	w->done_ctx = cfg->done_ctx;
	atomic_init(&w->stop, false);

	rg_log_reset();
	w->rb = ring_buffer__new(cfg->map_fd, on_sample, w, NULL);
	if (!w->rb) {
		int err = errno;
		free(w);
		rg_throw_libbpf(env, err, "start: cannot create the ring buffer consumer");
		return false;
	}

	if (napi_add_env_cleanup_hook(env, on_env_cleanup, w) != napi_ok) {
		ring_buffer__free(w->rb);
		free(w);
		rg_throw_status(env, "napi_add_env_cleanup_hook");
		return false;
	}
	w->cleanup_hook_registered = true;

	napi_value name;
	if (napi_create_string_utf8(env, "rand_guard_native.ringbuf", NAPI_AUTO_LENGTH, &name) != napi_ok ||
	    napi_create_threadsafe_function(env, cfg->on_batch, NULL, name, RG_TSFN_QUEUE, 1, w,
					    on_tsfn_finalize, NULL, call_js, &w->tsfn) != napi_ok) {
		napi_remove_env_cleanup_hook(env, on_env_cleanup, w);
		ring_buffer__free(w->rb);
		free(w);
		rg_throw_status(env, "napi_create_threadsafe_function");
		return false;
	}

	/* Signals belong to Node's main thread; keep them off this one (no EINTR in epoll_wait). */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&w->thread, NULL, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		/* The finalizer frees w later; done is not called since no thread ran. */
		napi_release_threadsafe_function(w->tsfn, napi_tsfn_release);
		rg_log_reset();
		rg_throw_libbpf(env, err, "start: cannot create the ring buffer thread");
		return false;
	}
	w->thread_started = true;
	*out = w;
	return true;
}

void rg_worker_request_stop(struct rg_worker *w)
{
	atomic_store(&w->stop, true);
}
