/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Rate bound of send records: a UDP flood must not flood the ring buffer
 * (and of sockets entered for lifecycle tracking, lib/sock-track.h).
 * One fixed one-second window per (tgid, record kind, family, address,
 * port) in an LRU hash: the first `limit` records of a window are sent, the
 * rest only counted. LRU, so a scan over many destinations evicts old
 * windows instead of filling the map (an evicted key starts a new window:
 * the bound is per key while it is remembered).
 */
#ifndef RG_LIB_SEND_LIMIT_H
#define RG_LIB_SEND_LIMIT_H

#include "maps.h"

#define RG_NS_PER_SEC 1000000000ULL

struct rg_send_key {
	__u32 tgid;
	__u16 kind;     /* RG_KIND_NETWORK_SEND, RG_KIND_NETWORK_DNS or RG_KIND_NETWORK_CLOSE (lifecycle tracking): separate budgets */
	__u16 family;   /* rg_network.family */
	__u8 addr[16];  /* rg_network.remote_addr (zero for non-IP families: one budget per family) */
	__u16 port;     /* rg_network.remote_port */
	__u16 _pad;
};

struct rg_send_window {
	__u64 start_ns; /* bpf_ktime_get_ns() of the window's first record */
	__u32 count;    /* records sent in the window */
	__u32 _pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, struct rg_send_key);
	__type(value, struct rg_send_window);
} rg_send_windows SEC(".maps");

/*
 * One window check of key: true when fewer than limit passed in its current
 * second (and counts this one), false after counting suppressed_idx.
 * Concurrent callers of one key on two CPUs may both pass a full window's
 * check: the bound is approximate by at most the number of CPUs.
 */
static __always_inline bool rg_window_allowed(const struct rg_send_key *key, __u32 limit, __u32 suppressed_idx)
{
	struct rg_send_window *w;
	__u64 now = bpf_ktime_get_ns();

	w = bpf_map_lookup_elem(&rg_send_windows, key);
	if (!w || now - w->start_ns >= RG_NS_PER_SEC) {
		struct rg_send_window fresh = { .start_ns = now, .count = 1 };

		bpf_map_update_elem(&rg_send_windows, key, &fresh, BPF_ANY);
		return true;
	}
	if (w->count < limit) {
		__sync_fetch_and_add(&w->count, 1);
		return true;
	}
	rg_count(suppressed_idx);
	return false;
}

/*
 * True when a record of kind for n's destination may be sent now (at most
 * limit per second per key); false after counting suppressed_idx.
 * Concurrent senders of one key on two CPUs may both pass a full window's
 * check: the bound is approximate by at most the number of CPUs.
 */
static __always_inline bool rg_send_allowed(const struct rg_network *n, __u16 kind, __u32 limit, __u32 suppressed_idx)
{
	struct rg_send_key key = {};

	key.tgid = n->h.pid;
	key.kind = kind;
	key.family = n->family;
	if (n->net_flags & RG_NET_REMOTE_SET) {
		__builtin_memcpy(key.addr, n->remote_addr, 16);
		key.port = n->remote_port;
	}
	return rg_window_allowed(&key, limit, suppressed_idx);
}

#endif /* RG_LIB_SEND_LIMIT_H */
