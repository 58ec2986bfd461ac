/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sendto / sendmsg / sendmmsg: network_send and DNS records, built and sent
 * at sys_enter (what was asked for, not the outcome). See the comment above
 * struct rg_network in events.h for what each record holds.
 */
#ifndef RG_LIB_SEND_H
#define RG_LIB_SEND_H

#include "record.h"
#include "send-limit.h"
#include "socket.h"

/* include/uapi/linux/in.h */
#define RG_IPPROTO_UDP 17

/* One message of a send syscall, read from the user's arguments. */
struct rg_send_msg {
	const void *name;   /* dest_addr / msg_name: NULL when the socket's peer is used */
	__u64 namelen;      /* addrlen / msg_namelen */
	const void *buf;    /* sendto buff / the first iovec's iov_base */
	__u64 buf_len;      /* bytes at buf */
	__u64 bytes;        /* total bytes requested (see rg_network.bytes) */
	__s64 fd;
};

/*
 * Sends the records of one message m: network_send when it names a
 * destination (rate-bounded), then, when dns, a DNS record when it goes to
 * UDP port 53 (explicit destination or the connected peer). noinline: one
 * copy of this body serves every message of a sendmmsg.
 */
static __noinline int rg_send_one(const struct rg_send_msg *m, bool dns)
{
	struct rg_config cfg;
	struct rg_network *n;
	bool explicit_dest = m->name != NULL;
	__u32 len;

	if (!explicit_dest && !dns)
		return 0;
	rg_load_config(&cfg);
	if (rg_is_self(&cfg, RG_CNT_SELF_NETWORK))
		return 0;
	n = rg_scratch(&rg_record_buf);
	if (!n)
		return 0;
	__builtin_memset(n, 0, sizeof(struct rg_network));
	if (explicit_dest) {
		if (!rg_parse_sockaddr(n, m->name, (long)m->namelen, true)) {
			rg_count(RG_CNT_NET_UNPARSED);
			return 0;
		}
		rg_read_sock(n, m->fd, false, false);
		n->addr_len = (__u32)m->namelen;
	} else {
		/* send() on a connected socket (glibc's resolver connects, then send/sendmmsg) */
		rg_read_sock(n, m->fd, false, true);
		if (!(n->net_flags & RG_NET_REMOTE_SET) || n->remote_port != RG_DNS_PORT)
			return 0;
		n->family = n->sock_family;
		n->net_flags |= RG_NET_DEST_FROM_SOCK;
	}
	rg_fill_header(&n->h, RG_KIND_NETWORK_SEND);
	n->direction = RG_DIRECTION_OUTBOUND;
	n->socket_fd = (int)m->fd;
	n->listen_fd = -1;
	n->bytes = m->bytes;
	if (explicit_dest && rg_send_allowed(n, RG_KIND_NETWORK_SEND, 1, RG_CNT_NET_SEND_SUPPRESSED)) {
		len = n->path_len;
		if (len > RG_UNIX_PATH_MAX)
			len = RG_UNIX_PATH_MAX;
		rg_submit(&cfg, n, sizeof(struct rg_network) + len, RG_CNT_DROP_NETWORK);
	}
	if (!dns || !(n->net_flags & RG_NET_SOCK_READ) || n->protocol != RG_IPPROTO_UDP ||
	    !(n->net_flags & RG_NET_REMOTE_SET) || n->remote_port != RG_DNS_PORT)
		return 0;
	if (!rg_send_allowed(n, RG_KIND_NETWORK_DNS, RG_DNS_RATE, RG_CNT_NET_DNS_SUPPRESSED))
		return 0;
	n->h.kind = RG_KIND_NETWORK_DNS;
	n->path_len = 0; /* IP destinations carry no path */
	if (m->buf_len > RG_DNS_PAYLOAD_MAX) {
		n->net_flags |= RG_NET_PAYLOAD_TRUNCATED;
		len = RG_DNS_PAYLOAD_MAX;
	} else {
		len = (__u32)m->buf_len;
	}
	/* the compiler would fold this bound into the one above; the verifier needs it on this register */
	asm volatile("" : "+r"(len));
	if (len > RG_DNS_PAYLOAD_MAX)
		len = RG_DNS_PAYLOAD_MAX;
	/* an unreadable buffer gives an empty payload: userspace counts it as malformed */
	if (len && bpf_probe_read_user((char *)(n + 1), len, m->buf))
		len = 0;
	n->payload_len = len;
	rg_submit(&cfg, n, sizeof(struct rg_network) + len, RG_CNT_DROP_NETWORK);
	return 0;
}

/*
 * Reads the user_msghdr at umsg into m: destination, the first iovec as the
 * payload, and the sum of the first RG_IOV_MAX iov_len as bytes.
 * Returns false when the header is unreadable.
 */
static __always_inline bool rg_read_msghdr(struct rg_send_msg *m, const struct user_msghdr *umsg)
{
	struct user_msghdr msg;
	struct iovec iov;
	__u64 iovlen;

	if (bpf_probe_read_user(&msg, sizeof(msg), umsg))
		return false;
	m->name = msg.msg_name;
	m->namelen = (__u32)msg.msg_namelen;
	m->buf = NULL;
	m->buf_len = 0;
	m->bytes = 0;
	iovlen = msg.msg_iovlen;
	for (int i = 0; i < RG_IOV_MAX; i++) {
		if (i >= iovlen)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), &msg.msg_iov[i]))
			break;
		if (i == 0) {
			m->buf = iov.iov_base;
			m->buf_len = iov.iov_len;
		}
		m->bytes += iov.iov_len;
	}
	return true;
}

#endif /* RG_LIB_SEND_H */
