// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network family: connect, bind, listen (socket syscalls at entry).
 */
#include "lib/maps.h"
#include "lib/record.h"
#include "lib/sockaddr.h"

char LICENSE[] SEC("license") = "GPL";

/* connect/bind(int fd, struct sockaddr *uservaddr, int addrlen) */
static __always_inline int rg_sockaddr_call(struct trace_event_raw_sys_enter *ctx, __u16 kind,
					    __u8 direction)
{
	struct rg_config cfg;
	struct rg_network *e;
	long addrlen = ctx->args[2];

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_NETWORK))
		return 0;
	e = rg_scratch(&rg_record_buf);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	if (!rg_parse_sockaddr(e, (const void *)ctx->args[1], addrlen)) {
		rg_count(RG_CNT_NET_UNPARSED);
		return 0;
	}
	rg_fill_header(&e->h, kind);
	e->socket_fd = (int)ctx->args[0];
	e->addr_len = (__u32)addrlen;
	e->direction = direction;
	rg_submit(&cfg, e, sizeof(*e), RG_CNT_DROP_NETWORK);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_connect")
int sys_enter_connect(struct trace_event_raw_sys_enter *ctx)
{
	return rg_sockaddr_call(ctx, RG_KIND_NETWORK_CONNECT, RG_DIRECTION_OUTBOUND);
}

SEC("tracepoint/syscalls/sys_enter_bind")
int sys_enter_bind(struct trace_event_raw_sys_enter *ctx)
{
	return rg_sockaddr_call(ctx, RG_KIND_NETWORK_BIND, RG_DIRECTION_LISTENER);
}

/* listen(int fd, int backlog): no address (there is no socket table here). */
SEC("tracepoint/syscalls/sys_enter_listen")
int sys_enter_listen(struct trace_event_raw_sys_enter *ctx)
{
	struct rg_config cfg;
	struct rg_network *e;

	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_NETWORK))
		return 0;
	e = rg_scratch(&rg_record_buf);
	if (!e)
		return 0;
	__builtin_memset(e, 0, sizeof(*e));
	rg_fill_header(&e->h, RG_KIND_NETWORK_LISTEN);
	e->socket_fd = (int)ctx->args[0];
	e->backlog = (int)ctx->args[1];
	e->direction = RG_DIRECTION_LISTENER;
	rg_submit(&cfg, e, sizeof(*e), RG_CNT_DROP_NETWORK);
	return 0;
}
