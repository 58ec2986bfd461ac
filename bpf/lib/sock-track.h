/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * TCP lifecycle tracking (config network.lifecycle): the socket table, the
 * entry made by the connect / accept / listen exit programs, and the
 * records sent when a tracked socket's state changes. See the comment
 * above struct rg_net_lifecycle in events.h for the contract.
 *
 * Context: rg_track_state_change() runs from tp_btf/inet_sock_set_state,
 * often in softirq, which may interrupt a syscall program on the same CPU
 * in the middle of building a record in rg_record_buf: lifecycle records
 * are therefore built on the stack, never in the shared scratch buffers.
 */
#ifndef RG_LIB_SOCK_TRACK_H
#define RG_LIB_SOCK_TRACK_H

#include "record.h"
#include "send-limit.h"

/* include/net/tcp_states.h (enum in vmlinux.h too; kept here so the numbers are visible) */
#define RG_TCP_ESTABLISHED 1
#define RG_TCP_SYN_SENT 2
#define RG_TCP_CLOSE 7
#define RG_TCP_LISTEN 10
/* include/uapi/linux/in.h */
#define RG_IPPROTO_TCP 6
/* include/linux/net.h: enum sock_type */
#define RG_SOCK_STREAM 1
/* include/uapi/asm-generic/errno.h */
#define RG_E2BIG 7

/*
 * Who reports what for an entry: moved only by compare-and-swap, so a
 * change seen both by the state tracepoint and by the exit program that has
 * just made the entry is reported once.
 */
enum rg_track_state {
	RG_TRACK_PENDING = 1, /* in_progress connect: outcome not reported yet */
	RG_TRACK_OPEN = 2,    /* established (connect), accepted, or listening: the close is still to report */
	RG_TRACK_DONE = 3,    /* terminal record reported (or dropped): the entry is being removed */
};

/* Value of rg_sock_table. */
struct rg_sock_entry {
	struct rg_header h; /* header of the connect / accept / listen record that made the entry */
	__u32 state;        /* enum rg_track_state */
	__s32 socket_fd;    /* that record's socket_fd */
	__u8 direction;     /* enum rg_direction */
	__u8 _pad[7];
};

/* Tracked sockets, keyed by struct sock address (the socket's identity while it is open). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, RG_SOCK_TABLE_MAX);
	__type(key, __u64);
	__type(value, struct rg_sock_entry);
} rg_sock_table SEC(".maps");

/* True when sk is an IPv4/IPv6 TCP stream socket (the only ones with a TCP state machine to follow). */
static __always_inline bool rg_is_tcp(const struct rg_network *n)
{
	return (n->net_flags & RG_NET_SOCK_READ) && n->protocol == RG_IPPROTO_TCP && n->sock_type == RG_SOCK_STREAM &&
	       (n->sock_family == RG_AF_INET || n->sock_family == RG_AF_INET6);
}

/*
 * Fills rec (zeroed by the caller) from the socket and the entry: header
 * (entry's, with kind and now), endpoints, tcp_sock counters.
 */
static __always_inline void rg_fill_lifecycle(struct rg_net_lifecycle *rec, const struct sock *sk,
					      const struct rg_sock_entry *e, __u16 kind, int oldstate, int newstate)
{
	const struct tcp_sock *tp = (const struct tcp_sock *)sk;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	__builtin_memcpy(&rec->h, &e->h, sizeof(struct rg_header));
	rec->h.kind = kind;
	rec->h.flags = 0;
	rec->h.timestamp_ns = bpf_ktime_get_ns();
	rec->sock_id = (__u64)sk;
	rec->start_ns = e->h.timestamp_ns;
	rec->socket_fd = e->socket_fd;
	rec->direction = e->direction;
	rec->old_state = (__u8)oldstate;
	rec->new_state = (__u8)newstate;
	rec->family = family;
	rec->err = BPF_CORE_READ(sk, sk_err);
	rec->bytes_acked = BPF_CORE_READ(tp, bytes_acked);
	rec->bytes_received = BPF_CORE_READ(tp, bytes_received);
	rec->bytes_sent = BPF_CORE_READ(tp, bytes_sent);
	rec->bytes_retrans = BPF_CORE_READ(tp, bytes_retrans);
	rec->fin_received = (BPF_CORE_READ(sk, __sk_common.skc_flags) >> bpf_core_enum_value(enum sock_flags, SOCK_DONE)) & 1;
	rec->total_retrans = BPF_CORE_READ(tp, total_retrans);
	rec->segs_out = BPF_CORE_READ(tp, segs_out);
	rec->segs_in = BPF_CORE_READ(tp, segs_in);
	rec->local_port = bpf_ntohs(BPF_CORE_READ((const struct inet_sock *)sk, inet_sport));
	if (e->direction != RG_DIRECTION_LISTENER)
		rec->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	if (family == RG_AF_INET) {
		bpf_core_read(rec->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
		if (e->direction != RG_DIRECTION_LISTENER)
			bpf_core_read(rec->remote_addr, 4, &sk->__sk_common.skc_daddr);
	} else if (family == RG_AF_INET6 && bpf_core_field_exists(sk->__sk_common.skc_v6_daddr)) {
		bpf_core_read(rec->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
		if (e->direction != RG_DIRECTION_LISTENER)
			bpf_core_read(rec->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/* Builds and sends one lifecycle record of kind (drops counted in RG_CNT_DROP_NETWORK). */
static __always_inline void rg_send_lifecycle(const struct sock *sk, const struct rg_sock_entry *e, __u16 kind,
					      __u8 result, int oldstate, int newstate, bool from_exit)
{
	struct rg_net_lifecycle rec = {};
	struct rg_config cfg;

	rg_fill_lifecycle(&rec, sk, e, kind, oldstate, newstate);
	rec.result = result;
	rec.from_exit = from_exit;
	rg_load_config(&cfg);
	rg_submit_max(&cfg, &rec, sizeof(rec), sizeof(rec), RG_CNT_DROP_NETWORK);
}

/* Removes key's entry (counted once, by whoever removed it). */
static __always_inline void rg_untrack(__u64 key)
{
	if (bpf_map_delete_elem(&rg_sock_table, &key) == 0)
		rg_count(RG_CNT_NET_UNTRACKED);
}

/*
 * A tracked socket reached TCP_CLOSE: the failed outcome of a pending
 * connect, or the close of an open socket; then the entry goes.
 */
static __always_inline void rg_track_closed(const struct sock *sk, __u64 key, struct rg_sock_entry *e, int oldstate,
					    bool from_exit)
{
	if (__sync_val_compare_and_swap(&e->state, RG_TRACK_PENDING, RG_TRACK_DONE) == RG_TRACK_PENDING) {
		rg_send_lifecycle(sk, e, RG_KIND_NETWORK_CONNECT_RESULT, RG_CONN_CLOSED, oldstate, RG_TCP_CLOSE, from_exit);
	} else if (__sync_val_compare_and_swap(&e->state, RG_TRACK_OPEN, RG_TRACK_DONE) == RG_TRACK_OPEN) {
		rg_send_lifecycle(sk, e, RG_KIND_NETWORK_CLOSE, 0, oldstate, RG_TCP_CLOSE, from_exit);
		if (e->direction == RG_DIRECTION_LISTENER)
			rg_count(RG_CNT_NET_LISTENERS_CLOSED);
	}
	rg_untrack(key);
}

/* A pending connect's socket reached TCP_ESTABLISHED (or a later state): report it once. */
static __always_inline void rg_track_established(const struct sock *sk, struct rg_sock_entry *e, int oldstate,
						 int newstate, bool from_exit)
{
	if (__sync_val_compare_and_swap(&e->state, RG_TRACK_PENDING, RG_TRACK_OPEN) == RG_TRACK_PENDING)
		rg_send_lifecycle(sk, e, RG_KIND_NETWORK_CONNECT_RESULT, RG_CONN_ESTABLISHED, oldstate, newstate, from_exit);
}

/*
 * tp_btf/inet_sock_set_state body: one hash lookup for every TCP state
 * change on the machine; records only for tracked sockets.
 */
static __always_inline int rg_track_state_change(const struct sock *sk, int oldstate, int newstate)
{
	__u64 key = (__u64)sk;
	struct rg_sock_entry *e;

	if (newstate != RG_TCP_ESTABLISHED && newstate != RG_TCP_CLOSE)
		return 0;
	e = bpf_map_lookup_elem(&rg_sock_table, &key);
	if (!e)
		return 0;
	if (newstate == RG_TCP_ESTABLISHED)
		rg_track_established(sk, e, oldstate, newstate, false);
	else
		rg_track_closed(sk, key, e, oldstate, false);
	return 0;
}

/*
 * Called by the connect / accept / listen exit programs after the record n
 * (fixed part still in the caller's buffer) was sent: enters n's socket in
 * the table when it is an IPv4/IPv6 TCP socket that can still change state
 * (connect success or in_progress, accept, listen success), within the rate
 * bound, then reads sk_state once to report a change that happened before
 * the entry existed.
 */
static __always_inline void rg_track_socket(const struct rg_network *n)
{
	struct rg_sock_entry entry = {};
	struct rg_send_key rate = {};
	struct sock *sk = (struct sock *)n->sock_id;
	__u64 key = n->sock_id;
	struct rg_sock_entry *e;
	int state;
	long err;

	if (!sk || !rg_is_tcp(n))
		return;
	switch (n->h.kind) {
	case RG_KIND_NETWORK_CONNECT:
		if (n->result == RG_NET_RESULT_IN_PROGRESS)
			entry.state = RG_TRACK_PENDING;
		else if (n->result == RG_NET_RESULT_SUCCESS)
			entry.state = RG_TRACK_OPEN;
		else
			return;
		break;
	case RG_KIND_NETWORK_ACCEPT:
		entry.state = RG_TRACK_OPEN;
		break;
	case RG_KIND_NETWORK_LISTEN:
		if (n->result != RG_NET_RESULT_SUCCESS)
			return;
		entry.state = RG_TRACK_OPEN;
		break;
	default:
		return;
	}
	rate.tgid = n->h.pid;
	rate.kind = RG_KIND_NETWORK_CLOSE;
	if (!rg_window_allowed(&rate, RG_NET_TRACK_RATE, RG_CNT_NET_TRACK_SUPPRESSED))
		return;
	__builtin_memcpy(&entry.h, &n->h, sizeof(struct rg_header));
	entry.socket_fd = n->socket_fd;
	entry.direction = n->direction;
	err = bpf_map_update_elem(&rg_sock_table, &key, &entry, BPF_NOEXIST);
	if (err) {
		/* -EEXIST: already tracked (listen() again on a listener); -E2BIG: table full */
		if (err == -RG_E2BIG)
			rg_count(RG_CNT_NET_TRACK_OVERFLOW);
		return;
	}
	rg_count(RG_CNT_NET_TRACKED);
	if (n->h.kind == RG_KIND_NETWORK_LISTEN)
		rg_count(RG_CNT_NET_LISTENERS_OPENED);
	e = bpf_map_lookup_elem(&rg_sock_table, &key);
	if (!e)
		return; /* the state tracepoint already reported and removed it */
	state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (state == RG_TCP_CLOSE)
		rg_track_closed(sk, key, e, 0, true);
	else if (state != RG_TCP_SYN_SENT && entry.state == RG_TRACK_PENDING)
		rg_track_established(sk, e, 0, state, true);
}

#endif /* RG_LIB_SOCK_TRACK_H */
