/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Argument checking and error throwing for the Node-API surface. Every
 * helper that fails leaves a JavaScript exception pending and returns
 * false/NULL, so callers just return.
 */
#ifndef RG_ARGS_H
#define RG_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include <node_api.h>

enum rg_error_kind {
	RG_ERROR,
	RG_TYPE_ERROR,
	RG_RANGE_ERROR,
};

/* Throws an Error/TypeError/RangeError with a printf-formatted message. Returns NULL. */
napi_value rg_throw(napi_env env, enum rg_error_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Throws an Error "<formatted>: <strerror(err)>" followed, when libbpf printed
 * anything since the last rg_log_reset(), by "\nlibbpf log (tail):\n<tail>".
 * err is a positive errno. The Error also gets properties `errno` (number)
 * and `libbpfLog` (string, possibly empty). Returns NULL.
 */
napi_value rg_throw_libbpf(napi_env env, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Throws an Error for an unexpected Node-API failure unless one is already pending. Returns NULL. */
napi_value rg_throw_status(napi_env env, const char *call);

/* Evaluates a Node-API call; on failure throws (see rg_throw_status) and returns NULL from the caller. */
#define RG_NAPI(env, call)                                  \
	do {                                                \
		if ((call) != napi_ok)                      \
			return rg_throw_status((env), #call); \
	} while (0)

/* Copies a JS string into a malloc'd C string (*out). TypeError "<what> must be a string". */
bool rg_arg_string(napi_env env, napi_value v, const char *what, char **out);

/* Borrows the bytes of a Buffer/Uint8Array. TypeError "<what> must be a Buffer". */
bool rg_arg_buffer(napi_env env, napi_value v, const char *what, void **data, size_t *len);

/* TypeError "<what> must be a function" unless v is callable. */
bool rg_arg_function(napi_env env, napi_value v, const char *what);

/*
 * Reads integer property `name` of obj (obj may be undefined when !required).
 * Missing/undefined: *out = def, or TypeError "<what>.<name> is required".
 * Not a number: TypeError. Not an integer in [min, max]: RangeError.
 */
bool rg_prop_integer(napi_env env, napi_value obj, const char *what, const char *name,
		     bool required, double min, double max, double def, double *out);

#endif
