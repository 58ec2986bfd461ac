/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Ring-buffer consumer thread: polls the `events` ring buffer, packs records
 * into batches and hands each batch to a JavaScript callback through a
 * threadsafe function (one call per batch, never per record).
 *
 * Batch format (a Buffer): records back to back, each a u32 little-endian
 * length followed by that many record bytes, no padding.
 */
#ifndef RG_WORKER_H
#define RG_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <node_api.h>

/* Cumulative counters written by the worker thread, read from JavaScript. */
struct rg_stats {
	_Atomic uint64_t batches;     /* batches handed to the JS callback's queue */
	_Atomic uint64_t records;     /* records consumed from the ring buffer */
	_Atomic uint64_t bytes;       /* record bytes consumed (excluding the 4-byte length prefixes) */
	_Atomic uint64_t poll_errors; /* failed ring_buffer__poll/consume rounds (EINTR excluded), failed batch allocations */
};

struct rg_worker;

/*
 * Runs on the JavaScript thread once the worker has stopped, every batch it
 * produced has been delivered to the callback and the thread has been joined
 * (also during environment teardown).
 */
typedef void (*rg_worker_done_fn)(napi_env env, void *ctx);

struct rg_worker_config {
	int map_fd;              /* fd of the BPF_MAP_TYPE_RINGBUF map */
	napi_value on_batch;     /* JS function (batch: Buffer) => void */
	int poll_timeout_ms;     /* ring_buffer__poll timeout; also the stop latency bound */
	size_t batch_bytes;      /* batch capacity; a larger record gets a batch of its own */
	struct rg_stats *stats;  /* must outlive the worker */
	rg_worker_done_fn done;
	void *done_ctx;
};

/*
 * Creates the ring-buffer consumer and the threadsafe function and starts the
 * thread. On failure throws (Error with strerror) and returns false; done is
 * then never called.
 */
bool rg_worker_start(napi_env env, const struct rg_worker_config *cfg, struct rg_worker **out);

/*
 * Asks the worker to finish: after its current round it runs one final
 * ring_buffer__consume, hands over the partial batch and releases the
 * threadsafe function; done follows once the JS side drained the queue.
 * Detach the BPF programs first, or the final drain may never end under load.
 * Does not block. Idempotent.
 */
void rg_worker_request_stop(struct rg_worker *w);

#endif
