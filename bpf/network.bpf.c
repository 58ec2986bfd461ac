// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network family: connect, bind, listen, accept, accept4; sendto, sendmsg,
 * sendmmsg (lib/send.h); TCP lifecycle of the sockets the agent reported
 * (lib/sock-track.h: connect outcomes, closes, listeners).
 *
 * Each syscall is seen twice. sys_enter parses the user's arguments (the
 * sockaddr of connect/bind, listen's backlog, accept's listening fd) into a
 * record stashed per thread; sys_exit adds what only exists afterwards (the
 * outcome, the accepted fd, the port the kernel chose) and the socket's own
 * facts read from its struct sock (lib/socket.h), then sends it. The record
 * keeps the header (and timestamp) of the entry.
 */
#include "lib/maps.h"
#include "lib/record.h"
#include "lib/send.h"
#include "lib/socket.h"
#include "lib/sock-track.h"

char LICENSE[] SEC("license") = "GPL";

/* include/uapi/asm-generic/errno.h */
#define RG_EINPROGRESS 115

/* A record under construction: the fixed part, then room for its sun_path tail. */
struct rg_net_stash {
	struct rg_network n;
	char path[RG_UNIX_PATH_MAX];
	__u32 _pad;
};

/*
 * Keyed by pid_tgid: a thread is in one syscall at a time. LRU so that an
 * entry whose exit never ran (programs attached or detached mid-syscall, a
 * thread killed in a blocking accept) is evicted instead of filling the
 * map; userspace attaches each sys_exit_* before its sys_enter_*.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct rg_net_stash);
} rg_net_pending SEC(".maps");

/*
 * Builds the entry part of a record of kind in the record scratch and
 * stashes it for this thread's sys_exit. uaddr/addrlen: the user sockaddr
 * of connect/bind (NULL for listen/accept). A connect/bind whose sockaddr
 * cannot be parsed is counted (RG_CNT_NET_UNPARSED) and gives no record.
 */
static __always_inline int rg_net_enter(__u16 kind, __u8 direction, long fd, const void *uaddr, long addrlen,
					long backlog)
{
	struct rg_config cfg;
	struct rg_network *n;
	__u64 key = bpf_get_current_pid_tgid();
	bool has_addr = kind == RG_KIND_NETWORK_CONNECT || kind == RG_KIND_NETWORK_BIND;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_NETWORK))
		return 0;
	n = rg_scratch(&rg_record_buf);
	if (!n)
		return 0;
	__builtin_memset(n, 0, sizeof(struct rg_net_stash));
	if (has_addr && !rg_parse_sockaddr(n, uaddr, addrlen, direction == RG_DIRECTION_OUTBOUND)) {
		rg_count(RG_CNT_NET_UNPARSED);
		return 0;
	}
	rg_fill_header(&n->h, kind);
	n->direction = direction;
	n->listen_fd = -1;
	if (kind == RG_KIND_NETWORK_ACCEPT) {
		n->listen_fd = (int)fd;
		n->socket_fd = -1;
	} else {
		n->socket_fd = (int)fd;
	}
	if (has_addr)
		n->addr_len = (__u32)addrlen;
	n->backlog = (int)backlog;
	bpf_map_update_elem(&rg_net_pending, &key, n, BPF_ANY);
	return 0;
}

/* Outcome of a syscall that returns 0 or -errno. */
static __always_inline void rg_net_result(struct rg_network *n, long ret)
{
	if (ret == 0) {
		n->result = RG_NET_RESULT_SUCCESS;
	} else if (ret == -RG_EINPROGRESS && n->h.kind == RG_KIND_NETWORK_CONNECT) {
		n->result = RG_NET_RESULT_IN_PROGRESS;
	} else {
		n->result = RG_NET_RESULT_FAILED;
		n->err = (int)-ret;
	}
}

/*
 * Completes this thread's stashed record of kind with the syscall's return
 * value ret and sends it. track (the `_lc` programs, config
 * network.lifecycle): once sent, enter its TCP socket in the lifecycle
 * table (lib/sock-track.h); a record that could not be sent enters nothing.
 */
static __always_inline int rg_net_exit(__u16 kind, long ret, bool track)
{
	struct rg_config cfg;
	struct rg_network *n;
	struct rg_net_stash *v;
	__u64 key = bpf_get_current_pid_tgid();
	__u32 tail;

	v = bpf_map_lookup_elem(&rg_net_pending, &key);
	if (!v)
		return 0;
	n = rg_scratch(&rg_record_buf);
	if (!n)
		return 0;
	if (bpf_probe_read_kernel(n, sizeof(struct rg_net_stash), v)) {
		bpf_map_delete_elem(&rg_net_pending, &key);
		return 0;
	}
	bpf_map_delete_elem(&rg_net_pending, &key);
	if (n->h.kind != kind)
		return 0;
	switch (kind) {
	case RG_KIND_NETWORK_CONNECT:
		rg_net_result(n, ret);
		/* the local endpoint the kernel picked; none after a failure */
		rg_read_sock(n, n->socket_fd, n->result != RG_NET_RESULT_FAILED, false);
		break;
	case RG_KIND_NETWORK_BIND:
		rg_net_result(n, ret);
		/* bound to port 0: the socket holds the port the kernel chose */
		rg_read_sock(n, n->socket_fd, n->result == RG_NET_RESULT_SUCCESS, false);
		break;
	case RG_KIND_NETWORK_LISTEN:
		rg_net_result(n, ret);
		rg_read_sock(n, n->socket_fd, true, false);
		n->family = n->sock_family;
		break;
	case RG_KIND_NETWORK_ACCEPT:
		if (ret < 0)
			return 0; /* no connection was accepted */
		n->result = RG_NET_RESULT_SUCCESS;
		n->socket_fd = (int)ret;
		rg_read_sock(n, ret, true, true);
		n->family = n->sock_family;
		break;
	default:
		return 0;
	}
	rg_load_config(&cfg);
	tail = n->path_len;
	if (tail > RG_UNIX_PATH_MAX)
		tail = RG_UNIX_PATH_MAX;
	if (rg_submit_max(&cfg, n, sizeof(struct rg_network) + tail, RG_RECORD_MAX, RG_CNT_DROP_NETWORK) == 0 && track)
		rg_track_socket(n);
	return 0;
}

/* connect(int fd, struct sockaddr *uservaddr, int addrlen) */
SEC("tracepoint/syscalls/sys_enter_connect")
int sys_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return rg_net_enter(RG_KIND_NETWORK_CONNECT, RG_DIRECTION_OUTBOUND, ctx->args[0],
			    (const void *)ctx->args[1], ctx->args[2], 0);
}

SEC("tracepoint/syscalls/sys_exit_connect")
int sys_exit_connect(struct trace_event_raw_sys_exit *ctx)
{
	return rg_net_exit(RG_KIND_NETWORK_CONNECT, ctx->ret, false);
}

/* the same, and the socket enters the lifecycle table (network.lifecycle) */
SEC("tracepoint/syscalls/sys_exit_connect")
int sys_exit_connect_lc(struct trace_event_raw_sys_exit *ctx)
{
	return rg_net_exit(RG_KIND_NETWORK_CONNECT, ctx->ret, true);
}

/* bind(int fd, struct sockaddr *umyaddr, int addrlen) */
SEC("tracepoint/syscalls/sys_enter_bind")
int sys_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return rg_net_enter(RG_KIND_NETWORK_BIND, RG_DIRECTION_LISTENER, ctx->args[0],
			    (const void *)ctx->args[1], ctx->args[2], 0);
}

SEC("tracepoint/syscalls/sys_exit_bind")
int sys_exit_bind(struct trace_event_raw_sys_exit *ctx)
{
	return rg_net_exit(RG_KIND_NETWORK_BIND, ctx->ret, false);
}

/* listen(int fd, int backlog) */
SEC("tracepoint/syscalls/sys_enter_listen")
int sys_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	return rg_net_enter(RG_KIND_NETWORK_LISTEN, RG_DIRECTION_LISTENER, ctx->args[0], NULL, 0, ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_exit_listen")
int sys_exit_listen(struct trace_event_raw_sys_exit *ctx)
{
	return rg_net_exit(RG_KIND_NETWORK_LISTEN, ctx->ret, false);
}

/* the same, and the socket enters the lifecycle table (network.lifecycle) */
SEC("tracepoint/syscalls/sys_exit_listen")
int sys_exit_listen_lc(struct trace_event_raw_sys_exit *ctx)
{
	return rg_net_exit(RG_KIND_NETWORK_LISTEN, ctx->ret, true);
}

/* accept(int fd, struct sockaddr *upeer_sockaddr, int *upeer_addrlen): the peer is read from the new socket */
SEC("tracepoint/syscalls/sys_enter_accept")
int sys_enter_accept(struct trace_event_raw_sys_enter *ctx)
{
	return rg_net_enter(RG_KIND_NETWORK_ACCEPT, RG_DIRECTION_INBOUND, ctx->args[0], NULL, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept")
int sys_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return rg_net_exit(RG_KIND_NETWORK_ACCEPT, ctx->ret, false);
}

/* the same, and the socket enters the lifecycle table (network.lifecycle) */
SEC("tracepoint/syscalls/sys_exit_accept")
int sys_exit_accept_lc(struct trace_event_raw_sys_exit *ctx)
{
	return rg_net_exit(RG_KIND_NETWORK_ACCEPT, ctx->ret, true);
}

/* accept4(int fd, struct sockaddr *upeer_sockaddr, int *upeer_addrlen, int flags) */
SEC("tracepoint/syscalls/sys_enter_accept4")
int sys_enter_accept4(struct trace_event_raw_sys_enter *ctx)
{
	return rg_net_enter(RG_KIND_NETWORK_ACCEPT, RG_DIRECTION_INBOUND, ctx->args[0], NULL, 0, 0);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int sys_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return rg_net_exit(RG_KIND_NETWORK_ACCEPT, ctx->ret, false);
}

/* the same, and the socket enters the lifecycle table (network.lifecycle) */
SEC("tracepoint/syscalls/sys_exit_accept4")
int sys_exit_accept4_lc(struct trace_event_raw_sys_exit *ctx)
{
	return rg_net_exit(RG_KIND_NETWORK_ACCEPT, ctx->ret, true);
}

/*
 * TCP state changes of the sockets in the lifecycle table (network.lifecycle;
 * loaded and attached before the `_lc` exit programs, so no socket enters the
 * table without this program watching it). tp_btf: the typed struct sock.
 * include/trace/events/sock.h: TP_PROTO(const struct sock *sk, const int oldstate, const int newstate).
 */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state, const struct sock *sk, const int oldstate, const int newstate)
{
	return rg_track_state_change(sk, oldstate, newstate);
}

/*
 * Sends: each syscall has two programs on the same tracepoint; userspace
 * loads the `_dns` one when network.collect_dns is set (src/sensor/programs.ts),
 * so DNS payloads are never copied unless asked for and the check costs
 * nothing at run time.
 */

/* sendto(int fd, void *buff, size_t len, unsigned int flags, struct sockaddr *addr, int addr_len) */
static __always_inline int rg_sendto(struct trace_event_raw_sys_enter *ctx, bool dns)
{
	struct rg_send_msg m = {
		.name = (const void *)ctx->args[4],
		.namelen = (__u32)ctx->args[5],
		.buf = (const void *)ctx->args[1],
		.buf_len = ctx->args[2],
		.bytes = ctx->args[2],
		.fd = (int)ctx->args[0],
	};

	return rg_send_one(&m, dns);
}

/* sendmsg(int fd, struct user_msghdr *msg, unsigned int flags) */
static __always_inline int rg_sendmsg(struct trace_event_raw_sys_enter *ctx, bool dns)
{
	struct rg_send_msg m = {};

	if (!rg_read_msghdr(&m, (const struct user_msghdr *)ctx->args[1]))
		return 0;
	m.fd = (int)ctx->args[0];
	return rg_send_one(&m, dns);
}

/* sendmmsg(int fd, struct mmsghdr *mmsg, unsigned int vlen, unsigned int flags): the first RG_MMSG_MAX messages */
static __always_inline int rg_sendmmsg(struct trace_event_raw_sys_enter *ctx, bool dns)
{
	const struct mmsghdr *vec = (const struct mmsghdr *)ctx->args[1];
	__u32 vlen = (__u32)ctx->args[2];
	struct rg_send_msg m = {};

	for (int i = 0; i < RG_MMSG_MAX; i++) {
		if (i >= vlen)
			break;
		if (!rg_read_msghdr(&m, &vec[i].msg_hdr))
			break;
		m.fd = (int)ctx->args[0];
		rg_send_one(&m, dns);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int sys_enter_sendto(struct trace_event_raw_sys_enter *ctx)
{
	return rg_sendto(ctx, false);
}

SEC("tracepoint/syscalls/sys_enter_sendto")
int sys_enter_sendto_dns(struct trace_event_raw_sys_enter *ctx)
{
	return rg_sendto(ctx, true);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int sys_enter_sendmsg(struct trace_event_raw_sys_enter *ctx)
{
	return rg_sendmsg(ctx, false);
}

SEC("tracepoint/syscalls/sys_enter_sendmsg")
int sys_enter_sendmsg_dns(struct trace_event_raw_sys_enter *ctx)
{
	return rg_sendmsg(ctx, true);
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int sys_enter_sendmmsg(struct trace_event_raw_sys_enter *ctx)
{
	return rg_sendmmsg(ctx, false);
}

SEC("tracepoint/syscalls/sys_enter_sendmmsg")
int sys_enter_sendmmsg_dns(struct trace_event_raw_sys_enter *ctx)
{
	return rg_sendmmsg(ctx, true);
}
