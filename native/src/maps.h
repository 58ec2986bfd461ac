/* SPDX-License-Identifier: GPL-2.0-only */
/* Map access for Sensor.updateElem / Sensor.lookupPercpu. */
#ifndef RG_MAPS_H
#define RG_MAPS_H

#include <stddef.h>

#include <bpf/libbpf.h>
#include <node_api.h>

/*
 * bpf_map__update_elem(BPF_ANY) on map `name` of obj (loaded). For per-CPU
 * maps the value holds one slot per possible CPU, each slot the map's value
 * size rounded up to 8 bytes (the kernel's layout).
 * Throws: Error "map '<name>' not found in <path>"; TypeError naming the map
 * and the expected key/value sizes on a size mismatch; Error with strerror
 * when the kernel refuses. Returns undefined, or NULL with an exception pending.
 */
napi_value rg_map_update(napi_env env, struct bpf_object *obj, const char *path, const char *name,
			 const void *key, size_t key_len, const void *value, size_t value_len);

/*
 * Looks key up in per-CPU map `name` and returns an Array of one Buffer per
 * possible CPU (libbpf_num_possible_cpus()), each the map's value size.
 * Throws: Error when the map is missing or the lookup fails (ENOENT for an
 * absent hash key); TypeError when the map is not per-CPU or the key size is wrong.
 */
napi_value rg_map_lookup_percpu(napi_env env, struct bpf_object *obj, const char *path,
				const char *name, const void *key, size_t key_len);

#endif
