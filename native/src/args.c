/* SPDX-License-Identifier: GPL-2.0-only */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "log.h"

/* Messages longer than this are cut; the libbpf tail is at most RG_LOG_TAIL_BYTES on top. */
#define RG_MSG_MAX 1024

static napi_value throw_message(napi_env env, enum rg_error_kind kind, const char *msg,
				int err, const char *log)
{
	napi_value text, error;
	if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text) != napi_ok)
		return NULL;
	napi_status st;
	switch (kind) {
	case RG_TYPE_ERROR:
		st = napi_create_type_error(env, NULL, text, &error);
		break;
	case RG_RANGE_ERROR:
		st = napi_create_range_error(env, NULL, text, &error);
		break;
	default:
		st = napi_create_error(env, NULL, text, &error);
		break;
	}
	if (st != napi_ok)
		return NULL;
	if (log) {
		napi_value v;
		if (napi_create_int32(env, err, &v) == napi_ok)
			napi_set_named_property(env, error, "errno", v);
		if (napi_create_string_utf8(env, log, NAPI_AUTO_LENGTH, &v) == napi_ok)
			napi_set_named_property(env, error, "libbpfLog", v);
	}
	napi_throw(env, error);
	return NULL;
}

napi_value rg_throw(napi_env env, enum rg_error_kind kind, const char *fmt, ...)
{
	char msg[RG_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return throw_message(env, kind, msg, 0, NULL);
}

napi_value rg_throw_libbpf(napi_env env, int err, const char *fmt, ...)
{
	char head[RG_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(head, sizeof(head), fmt, ap);
	va_end(ap);

	char log[RG_LOG_TAIL_BYTES + 1];
	size_t log_len = rg_log_tail(log, sizeof(log));

	size_t cap = sizeof(head) + 128 + log_len;
	char *msg = malloc(cap);
	if (!msg)
		return throw_message(env, RG_ERROR, head, err, log);
	int n = snprintf(msg, cap, "%s: %s (errno %d)", head, strerror(err), err);
	if (log_len > 0 && n > 0 && (size_t)n < cap)
		snprintf(msg + n, cap - (size_t)n, "\nlibbpf log (tail):\n%s", log);
	throw_message(env, RG_ERROR, msg, err, log);
	free(msg);
	return NULL;
}

napi_value rg_throw_status(napi_env env, const char *call)
{
	bool pending = false;
	if (napi_is_exception_pending(env, &pending) == napi_ok && pending)
		return NULL;
	const napi_extended_error_info *info = NULL;
	napi_get_last_error_info(env, &info);
	return rg_throw(env, RG_ERROR, "rand_guard_native: %s failed: %s", call,
			info && info->error_message ? info->error_message : "unknown error");
}

static bool is_type(napi_env env, napi_value v, napi_valuetype want)
{
	napi_valuetype t;
	return napi_typeof(env, v, &t) == napi_ok && t == want;
}

bool rg_arg_string(napi_env env, napi_value v, const char *what, char **out)
{
	size_t len = 0;
	if (!is_type(env, v, napi_string)) {
		rg_throw(env, RG_TYPE_ERROR, "%s must be a string", what);
		return false;
	}
	if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
		rg_throw_status(env, "napi_get_value_string_utf8");
		return false;
	}
	char *s = malloc(len + 1);
	if (!s) {
		rg_throw(env, RG_ERROR, "%s: out of memory", what);
		return false;
	}
	if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
		free(s);
		rg_throw_status(env, "napi_get_value_string_utf8");
		return false;
	}
	/* An embedded NUL would silently name a different file or program. */
	if (strlen(s) != len) {
		free(s);
		rg_throw(env, RG_TYPE_ERROR, "%s must not contain NUL characters", what);
		return false;
	}
	*out = s;
	return true;
}

bool rg_arg_buffer(napi_env env, napi_value v, const char *what, void **data, size_t *len)
{
	bool ok = false;
	if (napi_is_buffer(env, v, &ok) != napi_ok || !ok) {
		rg_throw(env, RG_TYPE_ERROR, "%s must be a Buffer", what);
		return false;
	}
	if (napi_get_buffer_info(env, v, data, len) != napi_ok) {
		rg_throw_status(env, "napi_get_buffer_info");
		return false;
	}
	return true;
}

bool rg_arg_function(napi_env env, napi_value v, const char *what)
{
	if (!is_type(env, v, napi_function)) {
		rg_throw(env, RG_TYPE_ERROR, "%s must be a function", what);
		return false;
	}
	return true;
}

bool rg_prop_integer(napi_env env, napi_value obj, const char *what, const char *name,
		     bool required, double min, double max, double def, double *out)
{
	napi_value v = NULL;
	if (is_type(env, obj, napi_object) &&
	    napi_get_named_property(env, obj, name, &v) != napi_ok) {
		rg_throw_status(env, "napi_get_named_property");
		return false;
	}
	if (!v || is_type(env, v, napi_undefined)) {
		if (required) {
			rg_throw(env, RG_TYPE_ERROR, "%s.%s is required", what, name);
			return false;
		}
		*out = def;
		return true;
	}
	double d;
	if (!is_type(env, v, napi_number) || napi_get_value_double(env, v, &d) != napi_ok) {
		rg_throw(env, RG_TYPE_ERROR, "%s.%s must be a number", what, name);
		return false;
	}
	if (!isfinite(d) || floor(d) != d || d < min || d > max) {
		rg_throw(env, RG_RANGE_ERROR, "%s.%s must be an integer in [%.0f, %.0f], got %g",
			 what, name, min, max, d);
		return false;
	}
	*out = d;
	return true;
}
