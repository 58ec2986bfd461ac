/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include <bpf/bpf.h>

#include "args.h"
#include "log.h"
#include "maps.h"

static bool is_percpu(enum bpf_map_type type)
{
	switch (type) {
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return true;
	default:
		return false;
	}
}

/* Per-CPU values are copied to/from userspace in 8-byte aligned slots. */
static size_t percpu_slot(const struct bpf_map *map)
{
	return ((size_t)bpf_map__value_size(map) + 7) & ~(size_t)7;
}

static struct bpf_map *find_map(napi_env env, struct bpf_object *obj, const char *path,
				const char *name, size_t key_len)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);
	if (!map) {
		rg_throw(env, RG_ERROR, "map '%s' not found in %s", name, path);
		return NULL;
	}
	if (key_len != bpf_map__key_size(map)) {
		rg_throw(env, RG_TYPE_ERROR, "map '%s': key is %zu bytes, expected %u", name,
			 key_len, bpf_map__key_size(map));
		return NULL;
	}
	return map;
}

napi_value rg_map_update(napi_env env, struct bpf_object *obj, const char *path, const char *name,
			 const void *key, size_t key_len, const void *value, size_t value_len)
{
	struct bpf_map *map = find_map(env, obj, path, name, key_len);
	if (!map)
		return NULL;

	size_t expected = bpf_map__value_size(map);
	if (is_percpu(bpf_map__type(map))) {
		int ncpu = libbpf_num_possible_cpus();
		if (ncpu < 0)
			return rg_throw_libbpf(env, -ncpu, "map '%s': cannot count possible CPUs", name);
		expected = percpu_slot(map) * (size_t)ncpu;
		if (value_len != expected)
			return rg_throw(env, RG_TYPE_ERROR,
					"map '%s': value is %zu bytes, expected %zu (per-CPU map: %d CPUs x %zu-byte slots)",
					name, value_len, expected, ncpu, percpu_slot(map));
	} else if (value_len != expected) {
		return rg_throw(env, RG_TYPE_ERROR, "map '%s': value is %zu bytes, expected %zu",
				name, value_len, expected);
	}

	rg_log_reset();
	int err = bpf_map__update_elem(map, key, key_len, value, value_len, BPF_ANY);
	if (err)
		return rg_throw_libbpf(env, -err, "update of map '%s' failed", name);

	napi_value undefined;
	RG_NAPI(env, napi_get_undefined(env, &undefined));
	return undefined;
}

napi_value rg_map_lookup_percpu(napi_env env, struct bpf_object *obj, const char *path,
				const char *name, const void *key, size_t key_len)
{
	struct bpf_map *map = find_map(env, obj, path, name, key_len);
	if (!map)
		return NULL;
	if (!is_percpu(bpf_map__type(map)))
		return rg_throw(env, RG_TYPE_ERROR, "map '%s' is not a per-CPU map (type %s)", name,
				libbpf_bpf_map_type_str(bpf_map__type(map)) ?: "unknown");

	int ncpu = libbpf_num_possible_cpus();
	if (ncpu < 0)
		return rg_throw_libbpf(env, -ncpu, "map '%s': cannot count possible CPUs", name);
	size_t slot = percpu_slot(map);
	size_t value_size = bpf_map__value_size(map);
	unsigned char *values = calloc((size_t)ncpu, slot);
	if (!values)
		return rg_throw(env, RG_ERROR, "map '%s': out of memory", name);

	rg_log_reset();
	int err = bpf_map__lookup_elem(map, key, key_len, values, slot * (size_t)ncpu, 0);
	if (err) {
		free(values);
		return rg_throw_libbpf(env, -err, "lookup in map '%s' failed", name);
	}

	napi_value array = NULL;
	napi_status st = napi_create_array_with_length(env, (size_t)ncpu, &array);
	for (int cpu = 0; st == napi_ok && cpu < ncpu; cpu++) {
		napi_value buf;
		st = napi_create_buffer_copy(env, value_size, values + (size_t)cpu * slot, NULL, &buf);
		if (st == napi_ok)
			st = napi_set_element(env, array, (uint32_t)cpu, buf);
	}
	free(values);
	if (st != napi_ok)
		return rg_throw_status(env, "building the per-CPU value array");
	return array;
}
