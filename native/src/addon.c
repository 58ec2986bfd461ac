/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rand_guard_native: the Node-API class `Sensor` (open/configure/load a BPF
 * object, attach programs, map access, ring-buffer worker lifecycle) and
 * `libbpfVersion()`. The JS-facing contract is documented in
 * src/sensor/native.ts.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "args.h"
#include "log.h"
#include "maps.h"
#include "worker.h"

#define RG_EVENTS_MAP "events"
/*
 * Below the wake-up threshold the worker sees data only when its poll times
 * out: 25 ms keeps the bench's event-to-disk p99 at 50k events/s near 65 ms
 * (50 ms gave 96-116 ms) for ~3 ms of idle CPU per second.
 */
#define RG_DEFAULT_POLL_MS 25
#define RG_DEFAULT_BATCH_BYTES 262144

/*
 * IDLE -> RUNNING (start) -> STOPPING (stop) -> STOPPED (worker done) -> CLOSED (close).
 * stop() before start() goes IDLE -> STOPPED.
 */
enum rg_state {
	RG_IDLE,
	RG_RUNNING,
	RG_STOPPING,
	RG_STOPPED,
	RG_CLOSED,
};

struct rg_sensor {
	char *path;
	struct bpf_object *obj;
	int events_fd;
	struct bpf_link **links;
	size_t n_links;
	enum rg_state state;
	struct rg_worker *worker;
	struct rg_stats stats;
	int run_stats_fd;        /* bpf_enable_stats(BPF_STATS_RUN_TIME) while >= 0 (enableRunStats) */
	napi_ref self_ref;       /* strong while the worker runs: the worker uses this struct */
	napi_ref stop_promise;   /* the promise returned by stop() while STOPPING */
	napi_deferred stop_deferred;
};

/*
 * Reverse attach order: userspace attaches sys_exit_X before sys_enter_X so
 * a call deferred at entry always has its exit program; detaching the entry
 * side first keeps that true during shutdown.
 */
static void destroy_links(struct rg_sensor *s)
{
	for (size_t i = s->n_links; i > 0; i--)
		bpf_link__destroy(s->links[i - 1]);
	free(s->links);
	s->links = NULL;
	s->n_links = 0;
}

/* Ends the kernel's run-time accounting asked for by enableRunStats(), if any. */
static void close_run_stats(struct rg_sensor *s)
{
	if (s->run_stats_fd >= 0)
		close(s->run_stats_fd);
	s->run_stats_fd = -1;
}

static void sensor_free(struct rg_sensor *s)
{
	close_run_stats(s);
	destroy_links(s);
	bpf_object__close(s->obj);
	free(s->path);
	free(s);
}

static void sensor_finalize(napi_env env, void *data, void *hint)
{
	struct rg_sensor *s = data;
	/* Only reachable while running at environment teardown; the worker may still use s. */
	if (s->state == RG_RUNNING || s->state == RG_STOPPING)
		return;
	if (s->stop_promise)
		napi_delete_reference(env, s->stop_promise);
	sensor_free(s);
}

/* Fetches `this`, the wrapped sensor and up to *argc arguments (missing ones are undefined). */
static struct rg_sensor *unwrap(napi_env env, napi_callback_info info, size_t *argc,
				napi_value *argv, napi_value *self)
{
	napi_value this_arg;
	void *data = NULL;
	if (napi_get_cb_info(env, info, argc, argv, &this_arg, NULL) != napi_ok ||
	    napi_unwrap(env, this_arg, &data) != napi_ok || !data) {
		rg_throw(env, RG_TYPE_ERROR, "Sensor method called on an incompatible receiver");
		return NULL;
	}
	if (self)
		*self = this_arg;
	return data;
}

/* Throws unless the object is still open (not closed). */
static bool require_open(napi_env env, struct rg_sensor *s, const char *method)
{
	if (s->state == RG_CLOSED) {
		rg_throw(env, RG_ERROR, "Sensor.%s: sensor for %s is closed", method, s->path);
		return false;
	}
	return true;
}

static bool in_list(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

static void free_list(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Reads options.programs (string[]) into a malloc'd array of malloc'd strings. */
static bool read_programs(napi_env env, napi_value options, char ***out, size_t *out_n)
{
	napi_value list;
	bool is_array = false;
	if (napi_get_named_property(env, options, "programs", &list) != napi_ok ||
	    napi_is_array(env, list, &is_array) != napi_ok || !is_array) {
		rg_throw(env, RG_TYPE_ERROR, "options.programs must be an array of program names");
		return false;
	}
	uint32_t n = 0;
	napi_get_array_length(env, list, &n);
	char **names = calloc(n ? n : 1, sizeof(*names));
	if (!names) {
		rg_throw(env, RG_ERROR, "Sensor: out of memory");
		return false;
	}
	for (uint32_t i = 0; i < n; i++) {
		napi_value v;
		char what[48];
		snprintf(what, sizeof(what), "options.programs[%u]", i);
		if (napi_get_element(env, list, i, &v) != napi_ok ||
		    !rg_arg_string(env, v, what, &names[i])) {
			free_list(names, i);
			return false;
		}
	}
	*out = names;
	*out_n = n;
	return true;
}

/*
 * bpf_object__load does not say which program failed; libbpf's log does, in
 * its last "prog '<name>': ..." line (verifier rejection, relocation error).
 */
static bool failing_program(char *out, size_t cap)
{
	char log[RG_LOG_TAIL_BYTES + 1];
	rg_log_tail(log, sizeof(log));
	const char *marker = "libbpf: prog '", *last = NULL;
	for (const char *p = strstr(log, marker); p; p = strstr(p + 1, marker))
		last = p + strlen(marker);
	if (!last)
		return false;
	const char *end = strchr(last, '\'');
	if (!end || (size_t)(end - last) >= cap || end == last)
		return false;
	memcpy(out, last, (size_t)(end - last));
	out[end - last] = '\0';
	return true;
}

/*
 * Opens, configures and loads the object. Returns NULL with an exception
 * pending on failure; errors name the path (and program) and carry the
 * libbpf log tail.
 */
static struct bpf_object *load_object(napi_env env, const char *path, uint32_t ring_bytes,
				      char **programs, size_t n_programs, int *events_fd)
{
	rg_log_reset();
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		rg_throw_libbpf(env, errno, "cannot open BPF object %s", path);
		return NULL;
	}

	for (size_t i = 0; i < n_programs; i++) {
		if (!bpf_object__find_program_by_name(obj, programs[i])) {
			rg_throw(env, RG_ERROR, "program '%s' not found in %s", programs[i], path);
			goto fail;
		}
	}
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, obj) {
		int err = bpf_program__set_autoload(prog, in_list(programs, n_programs, bpf_program__name(prog)));
		if (err) {
			rg_throw_libbpf(env, -err, "cannot set autoload of program '%s' in %s",
					bpf_program__name(prog), path);
			goto fail;
		}
	}

	struct bpf_map *events = bpf_object__find_map_by_name(obj, RG_EVENTS_MAP);
	if (!events) {
		rg_throw(env, RG_ERROR, "map '%s' not found in %s", RG_EVENTS_MAP, path);
		goto fail;
	}
	if (bpf_map__type(events) != BPF_MAP_TYPE_RINGBUF) {
		rg_throw(env, RG_ERROR, "map '%s' in %s is not a ring buffer", RG_EVENTS_MAP, path);
		goto fail;
	}
	int err = bpf_map__set_max_entries(events, ring_bytes);
	if (err) {
		rg_throw_libbpf(env, -err, "cannot size map '%s' of %s to %u bytes", RG_EVENTS_MAP, path, ring_bytes);
		goto fail;
	}

	err = bpf_object__load(obj);
	if (err) {
		char prog_name[128];
		if (failing_program(prog_name, sizeof(prog_name)))
			rg_throw_libbpf(env, -err, "cannot load program '%s' of BPF object %s", prog_name, path);
		else
			rg_throw_libbpf(env, -err, "cannot load BPF object %s", path);
		goto fail;
	}
	*events_fd = bpf_map__fd(events);
	return obj;

fail:
	bpf_object__close(obj);
	return NULL;
}

/* new Sensor(objectPath, { ringBufferBytes, programs }) */
static napi_value sensor_new(napi_env env, napi_callback_info info)
{
	napi_value target = NULL;
	RG_NAPI(env, napi_get_new_target(env, info, &target));
	if (!target)
		return rg_throw(env, RG_TYPE_ERROR, "Class constructor Sensor cannot be invoked without 'new'");

	size_t argc = 2;
	napi_value argv[2], self;
	RG_NAPI(env, napi_get_cb_info(env, info, &argc, argv, &self, NULL));
	if (argc < 2)
		return rg_throw(env, RG_TYPE_ERROR,
				"new Sensor(objectPath, options): expected 2 arguments, got %zu", argc);
	napi_valuetype t;
	RG_NAPI(env, napi_typeof(env, argv[1], &t));
	if (t != napi_object)
		return rg_throw(env, RG_TYPE_ERROR, "options must be an object { ringBufferBytes, programs }");

	double ring = 0;
	if (!rg_prop_integer(env, argv[1], "options", "ringBufferBytes", true, 0, 4294967295.0, 0, &ring))
		return NULL;
	uint32_t ring_bytes = (uint32_t)ring;
	if (ring_bytes < 4096 || (ring_bytes & (ring_bytes - 1)) != 0)
		return rg_throw(env, RG_RANGE_ERROR,
				"options.ringBufferBytes must be a power of two >= 4096, got %u", ring_bytes);

	char *path = NULL, **programs = NULL;
	size_t n_programs = 0;
	if (!rg_arg_string(env, argv[0], "objectPath", &path))
		return NULL;
	if (!read_programs(env, argv[1], &programs, &n_programs)) {
		free(path);
		return NULL;
	}

	int events_fd = -1;
	struct bpf_object *obj = load_object(env, path, ring_bytes, programs, n_programs, &events_fd);
	free_list(programs, n_programs);
	if (!obj) {
		free(path);
		return NULL;
	}

	struct rg_sensor *s = calloc(1, sizeof(*s));
	if (!s) {
		bpf_object__close(obj);
		free(path);
		return rg_throw(env, RG_ERROR, "Sensor: out of memory");
	}
	s->path = path;
	s->obj = obj;
	s->events_fd = events_fd;
	s->run_stats_fd = -1;
	s->state = RG_IDLE;
	if (napi_wrap(env, self, s, sensor_finalize, NULL, NULL) != napi_ok) {
		sensor_free(s);
		return rg_throw_status(env, "napi_wrap");
	}
	return self;
}

/* updateElem(mapName, key, value) */
static napi_value sensor_update_elem(napi_env env, napi_callback_info info)
{
	size_t argc = 3;
	napi_value argv[3];
	struct rg_sensor *s = unwrap(env, info, &argc, argv, NULL);
	if (!s || !require_open(env, s, "updateElem"))
		return NULL;
	char *name = NULL;
	void *key, *value;
	size_t key_len, value_len;
	if (argc < 3)
		return rg_throw(env, RG_TYPE_ERROR, "updateElem(mapName, key, value): expected 3 arguments");
	if (!rg_arg_buffer(env, argv[1], "key", &key, &key_len) ||
	    !rg_arg_buffer(env, argv[2], "value", &value, &value_len) ||
	    !rg_arg_string(env, argv[0], "mapName", &name))
		return NULL;
	napi_value ret = rg_map_update(env, s->obj, s->path, name, key, key_len, value, value_len);
	free(name);
	return ret;
}

/* lookupPercpu(mapName, key): Buffer[] */
static napi_value sensor_lookup_percpu(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	struct rg_sensor *s = unwrap(env, info, &argc, argv, NULL);
	if (!s || !require_open(env, s, "lookupPercpu"))
		return NULL;
	char *name = NULL;
	void *key;
	size_t key_len;
	if (argc < 2)
		return rg_throw(env, RG_TYPE_ERROR, "lookupPercpu(mapName, key): expected 2 arguments");
	if (!rg_arg_buffer(env, argv[1], "key", &key, &key_len) ||
	    !rg_arg_string(env, argv[0], "mapName", &name))
		return NULL;
	napi_value ret = rg_map_lookup_percpu(env, s->obj, s->path, name, key, key_len);
	free(name);
	return ret;
}

/*
 * attach(programName[, tracepoint]): the attach point from the ELF section,
 * or the tracepoint "<category>/<name>" given (one program attached to
 * several tracepoints: bpf/file-attr.bpf.c).
 */
static napi_value sensor_attach(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	struct rg_sensor *s = unwrap(env, info, &argc, argv, NULL);
	if (!s || !require_open(env, s, "attach"))
		return NULL;
	if (s->state == RG_STOPPING || s->state == RG_STOPPED)
		return rg_throw(env, RG_ERROR, "Sensor.attach: sensor for %s was stopped", s->path);
	char *name = NULL, *tp = NULL, *tp_name = NULL;
	if (argc < 1 || !rg_arg_string(env, argv[0], "programName", &name))
		return NULL;
	if (argc >= 2) {
		napi_valuetype t;
		if (napi_typeof(env, argv[1], &t) == napi_ok && t != napi_undefined) {
			if (!rg_arg_string(env, argv[1], "tracepoint", &tp)) {
				free(name);
				return NULL;
			}
			tp_name = strchr(tp, '/');
			if (!tp_name || tp_name == tp || !tp_name[1]) {
				rg_throw(env, RG_TYPE_ERROR, "Sensor.attach: tracepoint '%s' is not <category>/<name>", tp);
				free(tp);
				free(name);
				return NULL;
			}
			*tp_name++ = '\0';
		}
	}

	napi_value ret = NULL;
	struct bpf_program *prog = bpf_object__find_program_by_name(s->obj, name);
	if (!prog) {
		rg_throw(env, RG_ERROR, "program '%s' not found in %s", name, s->path);
		goto out;
	}
	if (!bpf_program__autoload(prog)) {
		rg_throw(env, RG_ERROR, "program '%s' of %s was not loaded (not in options.programs)",
			 name, s->path);
		goto out;
	}
	struct bpf_link **links = realloc(s->links, (s->n_links + 1) * sizeof(*links));
	if (!links) {
		rg_throw(env, RG_ERROR, "Sensor.attach: out of memory");
		goto out;
	}
	s->links = links;

	rg_log_reset();
	struct bpf_link *link = tp ? bpf_program__attach_tracepoint(prog, tp, tp_name) : bpf_program__attach(prog);
	if (!link) {
		if (tp)
			rg_throw_libbpf(env, errno, "cannot attach program '%s' to tracepoint %s/%s of %s", name, tp,
					tp_name, s->path);
		else
			rg_throw_libbpf(env, errno, "cannot attach program '%s' (section %s) of %s", name,
					bpf_program__section_name(prog), s->path);
		goto out;
	}
	s->links[s->n_links++] = link;
	napi_get_undefined(env, &ret);
out:
	free(tp);
	free(name);
	return ret;
}

/*
 * runProgram(programName, ctx): BPF_PROG_TEST_RUN of a SEC("syscall") program
 * with ctx as its context; the kernel copies the context back into ctx (the
 * program's outputs). Returns the program's return value.
 */
static napi_value sensor_run_program(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2];
	struct rg_sensor *s = unwrap(env, info, &argc, argv, NULL);
	if (!s || !require_open(env, s, "runProgram"))
		return NULL;
	char *name = NULL;
	void *ctx;
	size_t ctx_len;
	if (argc < 2)
		return rg_throw(env, RG_TYPE_ERROR, "runProgram(programName, ctx): expected 2 arguments");
	if (!rg_arg_buffer(env, argv[1], "ctx", &ctx, &ctx_len) ||
	    !rg_arg_string(env, argv[0], "programName", &name))
		return NULL;

	napi_value ret = NULL;
	struct bpf_program *prog = bpf_object__find_program_by_name(s->obj, name);
	if (!prog) {
		rg_throw(env, RG_ERROR, "program '%s' not found in %s", name, s->path);
		goto out;
	}
	if (!bpf_program__autoload(prog)) {
		rg_throw(env, RG_ERROR, "program '%s' of %s was not loaded (not in options.programs)",
			 name, s->path);
		goto out;
	}
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = (__u32)ctx_len);
	rg_log_reset();
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
	if (err) {
		rg_throw_libbpf(env, errno, "run of program '%s' of %s failed", name, s->path);
		goto out;
	}
	napi_create_uint32(env, opts.retval, &ret);
out:
	free(name);
	return ret;
}

/*
 * detach(): destroys every link now (no new records), while the worker keeps
 * consuming; stop() later drains. Lets the caller run a program (runProgram)
 * between the last traced event and the final drain.
 */
static napi_value sensor_detach(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct rg_sensor *s = unwrap(env, info, &argc, NULL, NULL);
	if (!s || !require_open(env, s, "detach"))
		return NULL;
	destroy_links(s);
	napi_value undefined;
	RG_NAPI(env, napi_get_undefined(env, &undefined));
	return undefined;
}

/* Worker finished (see rg_worker_done_fn): resolve stop()'s promise, let the object be collected. */
static void on_worker_done(napi_env env, void *ctx)
{
	struct rg_sensor *s = ctx;
	s->worker = NULL;
	s->state = RG_STOPPED;
	if (s->stop_deferred) {
		napi_value undefined;
		napi_get_undefined(env, &undefined);
		napi_resolve_deferred(env, s->stop_deferred, undefined);
		s->stop_deferred = NULL;
	}
	if (s->stop_promise) {
		napi_delete_reference(env, s->stop_promise);
		s->stop_promise = NULL;
	}
	if (s->self_ref) {
		napi_delete_reference(env, s->self_ref);
		s->self_ref = NULL;
	}
}

/* start(onBatch, { pollTimeoutMs = 50, batchBytes = 262144 }?) */
static napi_value sensor_start(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], self;
	struct rg_sensor *s = unwrap(env, info, &argc, argv, &self);
	if (!s || !require_open(env, s, "start"))
		return NULL;
	if (s->state == RG_RUNNING)
		return rg_throw(env, RG_ERROR, "Sensor.start: already started");
	if (s->state != RG_IDLE)
		return rg_throw(env, RG_ERROR, "Sensor.start: sensor for %s was stopped; create a new Sensor", s->path);
	if (argc < 1 || !rg_arg_function(env, argv[0], "onBatch"))
		return NULL;

	napi_value options = NULL;
	if (argc >= 2) {
		napi_valuetype t;
		RG_NAPI(env, napi_typeof(env, argv[1], &t));
		if (t != napi_undefined && t != napi_object)
			return rg_throw(env, RG_TYPE_ERROR, "start options must be an object");
		options = argv[1];
	}
	double poll_ms, batch_bytes;
	if (!rg_prop_integer(env, options, "options", "pollTimeoutMs", false, 1, 60000,
			     RG_DEFAULT_POLL_MS, &poll_ms) ||
	    !rg_prop_integer(env, options, "options", "batchBytes", false, 64, 1 << 30,
			     RG_DEFAULT_BATCH_BYTES, &batch_bytes))
		return NULL;

	RG_NAPI(env, napi_create_reference(env, self, 1, &s->self_ref));
	struct rg_worker_config cfg = {
		.map_fd = s->events_fd,
		.on_batch = argv[0],
		.poll_timeout_ms = (int)poll_ms,
		.batch_bytes = (size_t)batch_bytes,
		.stats = &s->stats,
		.done = on_worker_done,
		.done_ctx = s,
	};
	if (!rg_worker_start(env, &cfg, &s->worker)) {
		napi_delete_reference(env, s->self_ref);
		s->self_ref = NULL;
		return NULL;
	}
	s->state = RG_RUNNING;

	napi_value undefined;
	RG_NAPI(env, napi_get_undefined(env, &undefined));
	return undefined;
}

static napi_value resolved_promise(napi_env env)
{
	napi_deferred deferred;
	napi_value promise, undefined;
	RG_NAPI(env, napi_create_promise(env, &deferred, &promise));
	RG_NAPI(env, napi_get_undefined(env, &undefined));
	RG_NAPI(env, napi_resolve_deferred(env, deferred, undefined));
	return promise;
}

/* stop(): Promise<void> */
static napi_value sensor_stop(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct rg_sensor *s = unwrap(env, info, &argc, NULL, NULL);
	if (!s)
		return NULL;

	switch (s->state) {
	case RG_IDLE:
		destroy_links(s);
		s->state = RG_STOPPED;
		return resolved_promise(env);
	case RG_STOPPING: {
		napi_value promise;
		RG_NAPI(env, napi_get_reference_value(env, s->stop_promise, &promise));
		return promise;
	}
	case RG_STOPPED:
	case RG_CLOSED:
		return resolved_promise(env);
	case RG_RUNNING:
		break;
	}

	napi_value promise;
	RG_NAPI(env, napi_create_promise(env, &s->stop_deferred, &promise));
	RG_NAPI(env, napi_create_reference(env, promise, 1, &s->stop_promise));
	/* Detach first: no new records, so the worker's final drain terminates. */
	destroy_links(s);
	s->state = RG_STOPPING;
	rg_worker_request_stop(s->worker);
	return promise;
}

static napi_value set_count(napi_env env, napi_value obj, const char *name, _Atomic uint64_t *counter)
{
	napi_value v;
	RG_NAPI(env, napi_create_double(env, (double)atomic_load_explicit(counter, memory_order_relaxed), &v));
	RG_NAPI(env, napi_set_named_property(env, obj, name, v));
	return obj;
}

/* stats(): { batches, records, bytes, pollErrors } */
static napi_value sensor_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct rg_sensor *s = unwrap(env, info, &argc, NULL, NULL);
	if (!s)
		return NULL;
	napi_value obj;
	RG_NAPI(env, napi_create_object(env, &obj));
	if (!set_count(env, obj, "batches", &s->stats.batches) ||
	    !set_count(env, obj, "records", &s->stats.records) ||
	    !set_count(env, obj, "bytes", &s->stats.bytes) ||
	    !set_count(env, obj, "pollErrors", &s->stats.poll_errors))
		return NULL;
	return obj;
}

/*
 * enableRunStats(): bpf_enable_stats(BPF_STATS_RUN_TIME). While the returned
 * fd is open (until close()) the kernel counts runs and run time of every BPF
 * program on the host, at the cost of two clock reads per program run. The
 * kernel asks for CAP_SYS_ADMIN (EPERM otherwise). Idempotent.
 */
static napi_value sensor_enable_run_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct rg_sensor *s = unwrap(env, info, &argc, NULL, NULL);
	if (!s || !require_open(env, s, "enableRunStats"))
		return NULL;
	if (s->run_stats_fd < 0) {
		rg_log_reset();
		int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
		if (fd < 0)
			return rg_throw_libbpf(env, errno, "cannot enable BPF run-time statistics (BPF_ENABLE_STATS)");
		s->run_stats_fd = fd;
	}
	napi_value undefined;
	RG_NAPI(env, napi_get_undefined(env, &undefined));
	return undefined;
}

/*
 * programStats(): [{ name, runs, runTimeNs, verifiedInsns }] for every
 * loaded program, from bpf_obj_get_info_by_fd (run_cnt, run_time_ns: zero
 * unless run statistics are on, see enableRunStats; verified_insns).
 */
static napi_value sensor_program_stats(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct rg_sensor *s = unwrap(env, info, &argc, NULL, NULL);
	if (!s || !require_open(env, s, "programStats"))
		return NULL;
	napi_value list;
	RG_NAPI(env, napi_create_array(env, &list));
	uint32_t n = 0;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, s->obj) {
		int fd = bpf_program__fd(prog);
		if (!bpf_program__autoload(prog) || fd < 0)
			continue;
		struct bpf_prog_info pinfo;
		__u32 len = sizeof(pinfo);
		memset(&pinfo, 0, sizeof(pinfo));
		if (bpf_obj_get_info_by_fd(fd, &pinfo, &len))
			return rg_throw_libbpf(env, errno, "cannot read the info of program '%s' of %s",
					       bpf_program__name(prog), s->path);
		napi_value item, name, runs, time_ns, verified;
		RG_NAPI(env, napi_create_object(env, &item));
		RG_NAPI(env, napi_create_string_utf8(env, bpf_program__name(prog), NAPI_AUTO_LENGTH, &name));
		RG_NAPI(env, napi_create_double(env, (double)pinfo.run_cnt, &runs));
		RG_NAPI(env, napi_create_double(env, (double)pinfo.run_time_ns, &time_ns));
		RG_NAPI(env, napi_set_named_property(env, item, "name", name));
		RG_NAPI(env, napi_set_named_property(env, item, "runs", runs));
		RG_NAPI(env, napi_set_named_property(env, item, "runTimeNs", time_ns));
		RG_NAPI(env, napi_create_uint32(env, pinfo.verified_insns, &verified));
		RG_NAPI(env, napi_set_named_property(env, item, "verifiedInsns", verified));
		RG_NAPI(env, napi_set_element(env, list, n++, item));
	}
	return list;
}

/* close(): idempotent; refuses while the worker runs */
static napi_value sensor_close(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	struct rg_sensor *s = unwrap(env, info, &argc, NULL, NULL);
	if (!s)
		return NULL;
	if (s->state == RG_RUNNING || s->state == RG_STOPPING)
		return rg_throw(env, RG_ERROR, "Sensor.close: call and await stop() first");
	if (s->state != RG_CLOSED) {
		close_run_stats(s);
		destroy_links(s);
		bpf_object__close(s->obj);
		s->obj = NULL;
		s->state = RG_CLOSED;
	}
	napi_value undefined;
	RG_NAPI(env, napi_get_undefined(env, &undefined));
	return undefined;
}

/* libbpfVersion(): "major.minor" of the libbpf linked at run time */
static napi_value libbpf_version(napi_env env, napi_callback_info info)
{
	char text[32];
	snprintf(text, sizeof(text), "%u.%u", libbpf_major_version(), libbpf_minor_version());
	napi_value v;
	RG_NAPI(env, napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &v));
	return v;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */)
{
	rg_log_install();

	napi_property_descriptor methods[] = {
		{ "updateElem", NULL, sensor_update_elem, NULL, NULL, NULL, napi_default_method, NULL },
		{ "lookupPercpu", NULL, sensor_lookup_percpu, NULL, NULL, NULL, napi_default_method, NULL },
		{ "attach", NULL, sensor_attach, NULL, NULL, NULL, napi_default_method, NULL },
		{ "runProgram", NULL, sensor_run_program, NULL, NULL, NULL, napi_default_method, NULL },
		{ "detach", NULL, sensor_detach, NULL, NULL, NULL, napi_default_method, NULL },
		{ "start", NULL, sensor_start, NULL, NULL, NULL, napi_default_method, NULL },
		{ "stop", NULL, sensor_stop, NULL, NULL, NULL, napi_default_method, NULL },
		{ "stats", NULL, sensor_stats, NULL, NULL, NULL, napi_default_method, NULL },
		{ "enableRunStats", NULL, sensor_enable_run_stats, NULL, NULL, NULL, napi_default_method, NULL },
		{ "programStats", NULL, sensor_program_stats, NULL, NULL, NULL, napi_default_method, NULL },
		{ "close", NULL, sensor_close, NULL, NULL, NULL, napi_default_method, NULL },
	};
	napi_value cls, version;
	RG_NAPI(env, napi_define_class(env, "Sensor", NAPI_AUTO_LENGTH, sensor_new, NULL,
				       sizeof(methods) / sizeof(methods[0]), methods, &cls));
	RG_NAPI(env, napi_set_named_property(env, exports, "Sensor", cls));
	RG_NAPI(env, napi_create_function(env, "libbpfVersion", NAPI_AUTO_LENGTH, libbpf_version, NULL, &version));
	RG_NAPI(env, napi_set_named_property(env, exports, "libbpfVersion", version));
	return exports;
}
