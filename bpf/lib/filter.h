/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Kernel-side file path filter: the decision written in events.h above
 * enum rg_filter_mode, applied to a path already copied into the record.
 */
#ifndef RG_LIB_FILTER_H
#define RG_LIB_FILTER_H

#include "maps.h"

/* The filter's per-CPU scratch: the LPM lookup key, and the bounds of the path being judged. */
struct rg_filter_scratch {
	struct rg_filter_key key; /* must stay first: used as the LPM lookup key */
	__u32 len;
	__u32 off;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rg_filter_scratch);
} rg_filter_buf SEC(".maps") __weak;

/* 1 when byte c (0..255) equals ch, else 0, without a branch. */
static __always_inline __u32 rg_byte_is(__u32 c, __u32 ch)
{
	__u32 x = c ^ ch;

	barrier_var(x); /* keep clang from turning this back into a compare-and-branch */
	return (x - 1) >> 31;
}

/*
 * The three scans below are bpf_loop() callbacks: the verifier checks a
 * callback once, whatever the number of iterations, where an unrolled bounded
 * loop was checked once per byte (about 210,000 instructions for this filter,
 * again in every file program; about 15,000 with the callbacks). bpf_loop()
 * with a known callback is inlined by the verifier into a plain loop calling
 * it. Each scan's state lives in a struct on the caller's stack.
 */
struct rg_norm_scan {
	const char *rec;
	__u32 off;        /* first byte of the path in rec */
	__u32 len;        /* path bytes */
	__u32 state;      /* 1: at a component start, 2: "." so far, 3: ".." so far, 0: other */
	__u32 found;
	__u32 prev_slash;
	__u32 _pad;
};

/* Bytes of rg_needs_normalizing() per callback: fewer calls per path at run time. */
#define RG_NORM_STEP 8

/* Bytes [RG_NORM_STEP * k, +RG_NORM_STEP) of rg_needs_normalizing(); branch-free apart from the end test. */
static long rg_norm_one(__u64 k, void *arg)
{
	struct rg_norm_scan *n = arg;
	__u32 state = n->state, found = n->found, prev_slash = n->prev_slash, len = n->len, stop = 0;

	if (k >= RG_PATH_MAX / RG_NORM_STEP)
		return 1;
#pragma unroll
	for (__u32 j = 0; j < RG_NORM_STEP; j++) {
		__u32 i = k * RG_NORM_STEP + j, c, slash, dot_ok;

		if (i >= len) {
			stop = 1;
			break;
		}
		c = (__u8)n->rec[(n->off + i) & RG_BYTE_MASK];
		slash = rg_byte_is(c, '/');
		/* a '.' extends the component only in states 1 and 2 */
		dot_ok = rg_byte_is(c, '.') & (state ^ (state >> 1)) & 1;
		found |= slash & ((state >> 1) | prev_slash);
		state = slash | (-dot_ok & (state + 1));
		prev_slash = slash;
	}
	n->state = state;
	n->found = found;
	n->prev_slash = prev_slash;
	return stop;
}

/*
 * True when the path described by s->off/s->len in rec has a "." or ".."
 * component or an empty one (repeated '/'): userspace normalizes such a
 * path ("//etc/x" is "/etc/x"), its raw bytes cannot be judged against the
 * lists.
 */
static __always_inline bool rg_needs_normalizing(struct rg_filter_scratch *s, const char *rec)
{
	struct rg_norm_scan n = { .rec = rec, .off = s->off, .len = s->len, .state = 1 };

	bpf_loop(RG_PATH_MAX / RG_NORM_STEP, rg_norm_one, &n, 0);
	return (n.found | (n.state >> 1)) != 0;
}

/* 0x80 in each byte of x that is zero, 0 in the others (exact, unlike the strlen trick). */
static __always_inline __u64 rg_zero_bytes(__u64 x)
{
	const __u64 low7 = 0x7f7f7f7f7f7f7f7fULL;

	return ~(((x & low7) + low7) | x | low7);
}

struct rg_dot_scan {
	const char *rec;
	__u32 off;    /* first byte of the path in rec */
	__u32 len;    /* path bytes */
	__u64 carry;  /* 0x80 when the last byte of the previous word is a '/' */
	__u64 before; /* the byte before the path counts as a '/' for a '.', not for a '/' */
	__u32 maybe;  /* result: 1 when the exact scan must decide */
	__u32 _pad;
};

/* Words of eight bytes of rg_may_need_normalizing() per callback: one call for most paths. */
#define RG_DOT_WORDS 4

/* Bytes [8 * RG_DOT_WORDS * k, +8 * RG_DOT_WORDS) of rg_may_need_normalizing(). */
static long rg_dot_one(__u64 k, void *arg)
{
	const __u64 slashes = 0x2f2f2f2f2f2f2f2fULL, dots = 0x2e2e2e2e2e2e2e2eULL;
	struct rg_dot_scan *d = arg;
	__u64 carry = d->carry, before = d->before;
	__u32 len = d->len, off = d->off;

	if (k >= RG_PATH_MAX / (8 * RG_DOT_WORDS))
		return 1;
#pragma unroll
	for (__u32 j = 0; j < RG_DOT_WORDS; j++) {
		__u32 i = (k * RG_DOT_WORDS + j) * 8, at, left;
		__u64 w, dot, slash, after_slash;

		if (i >= len)
			return 1;
		at = (off + i) & RG_BYTE_MASK;
		if (at > RG_SCRATCH_SIZE - 8) {
			d->maybe = 1; /* not in one load: let the exact scan decide */
			return 1;
		}
		w = *(const __u64 *)(d->rec + at);
		dot = rg_zero_bytes(w ^ dots);
		slash = rg_zero_bytes(w ^ slashes);
		left = len - i;
		if (left < 8) {
			/* bytes past the end */
			dot &= (1ULL << (left * 8)) - 1;
			slash &= (1ULL << (left * 8)) - 1;
		}
		after_slash = (slash << 8) | carry;
		if ((dot & (after_slash | before)) | (slash & after_slash)) {
			d->maybe = 1;
			return 1;
		}
		carry = slash >> 56;
		before = 0;
	}
	d->carry = carry;
	d->before = before;
	return 0;
}

/*
 * False when the path described by s->off/s->len in rec has no '.' right
 * after a '/' (or at its start) and no '/' right after a '/', so nothing
 * rg_needs_normalizing() looks for: eight bytes per step instead of its one.
 * True (maybe) sends the path through the exact scan: hidden files have such
 * a pair too.
 */
static __always_inline bool rg_may_need_normalizing(struct rg_filter_scratch *s, const char *rec)
{
	struct rg_dot_scan d = { .rec = rec, .off = s->off, .len = s->len, .before = 0x80 };

	bpf_loop(RG_PATH_MAX / (8 * RG_DOT_WORDS), rg_dot_one, &d, 0);
	return d.maybe != 0;
}

/*
 * True when table (enum rg_absent_table) of file_filter_absent has the bit of
 * the byte pair rec[i1], rec[i2] set: no entry of that LPM trie can match,
 * an array load replaces the lookup.
 */
static __always_inline bool rg_absent(__u32 table, const char *rec, __u32 i1, __u32 i2)
{
	struct rg_filter_absent *absent = bpf_map_lookup_elem(&file_filter_absent, &table);
	__u32 i;

	if (!absent)
		return false;
	i = ((__u32)(__u8)rec[i1 & RG_BYTE_MASK] << 8) | (__u8)rec[i2 & RG_BYTE_MASK];
	return absent->bits[(i >> 3) & (RG_ABSENT_BITS / 8 - 1)] & (1 << (i & 7));
}

struct rg_reverse_scan {
	const char *rec;
	struct rg_filter_key *key;
	__u32 last; /* offset of the path's last byte in rec */
	__u32 n;    /* bytes to copy, <= RG_FILTER_KEY_MAX */
};

/* One byte of the suffix key: key->data[i] = rec[last - i]. */
static long rg_reverse_one(__u64 i, void *arg)
{
	struct rg_reverse_scan *r = arg;

	if (i >= r->n || i >= RG_FILTER_KEY_MAX)
		return 1;
	r->key->data[i] = r->rec[(r->last - i) & RG_BYTE_MASK];
	return 0;
}

/*
 * Decides whether the path rec[off, off+len) is kept.
 * pflags: RG_FLAG_PATH_* bits of this path (first-path numbering); paths the
 * kernel cannot judge (unresolved, truncated: its prefix or suffix is
 * unknown) are kept. check_dots: the path contains a user string, which may
 * have ".", ".." or empty components (kept: userspace normalizes them).
 * Lookups use the first RG_FILTER_KEY_MAX bytes (prefixes) and the last
 * RG_FILTER_KEY_MAX bytes reversed (suffixes).
 */
static __always_inline bool rg_filter_keep(const struct rg_config *cfg, const char *rec, __u32 off,
					   __u32 len, __u16 pflags, bool check_dots)
{
	struct rg_filter_scratch *s;
	struct rg_filter_key *key;
	struct rg_reverse_scan rev;
	__u8 *verdict;
	__u32 n;

	if (cfg->file_filter_mode == RG_FILTER_OFF)
		return true;
	if (pflags & (RG_FLAG_PATH_UNRESOLVED | RG_FLAG_PATH_TRUNCATED))
		return true;
	s = rg_scratch(&rg_filter_buf);
	if (!s)
		return true;
	if (len > RG_PATH_MAX)
		len = RG_PATH_MAX;
	s->len = len;
	s->off = off;
	if (check_dots && rg_may_need_normalizing(s, rec) && rg_needs_normalizing(s, rec))
		return true;

	key = &s->key;
	n = len > RG_FILTER_KEY_MAX ? RG_FILTER_KEY_MAX : len;
	key->prefixlen = n * 8; /* both lookups use n bytes: the prefix as is, the suffix reversed */
	if (len < 3 || !rg_absent(RG_ABSENT_PREFIX, rec, off + 1, off + 2)) {
		barrier_var(n);
		n &= RG_FILTER_KEY_MAX; /* no-op (n <= 255) that keeps the bound visible to the verifier */
		if (bpf_probe_read_kernel(key->data, n, rec + (off & RG_OFF_MASK)))
			return true;
		verdict = bpf_map_lookup_elem(&file_prefixes, key);
		if (verdict && *verdict == RG_VERDICT_EXCLUDE)
			return false;
		if (verdict && *verdict == RG_VERDICT_WATCH)
			return true;
	}
	if (cfg->file_filter_mode != RG_FILTER_WATCHED)
		return true; /* PASS_UNMATCHED, EXCLUDE_ONLY: only excluded paths are dropped */

	if (len >= 2 && rg_absent(RG_ABSENT_SUFFIX, rec, off + len - 1, off + len - 2))
		return false;
	/* key->data[i] = path[len - 1 - i] */
	rev.rec = rec;
	rev.key = key;
	rev.last = off + len - 1;
	rev.n = n;
	bpf_loop(RG_FILTER_KEY_MAX, rg_reverse_one, &rev, 0);
	if (bpf_map_lookup_elem(&file_suffixes, key))
		return true;
	return false;
}

#endif /* RG_LIB_FILTER_H */
