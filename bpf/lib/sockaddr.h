/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User sockaddr parsing for connect/bind into struct rg_network.
 */
#ifndef RG_LIB_SOCKADDR_H
#define RG_LIB_SOCKADDR_H

#include "common.h"

/* include/linux/socket.h */
#define RG_AF_UNIX 1

/*
 * Parses the user sockaddr at uaddr of addrlen bytes into n (whose tail
 * follows it in the same scratch area). remote: the endpoint is the peer
 * (connect), else the local one (bind).
 *  - n->family = sa_family, always;
 *  - AF_INET / AF_INET6: {remote,local}_port (host order) and _addr
 *    (network order, sin_addr / sin6_addr), flag RG_NET_{REMOTE,LOCAL}_SET;
 *  - AF_UNIX: sun_path bytes [0, min(addrlen - 2, RG_UNIX_PATH_MAX)) as the
 *    tail (path_len), flag RG_NET_PATH_{REMOTE,LOCAL}: an abstract name keeps
 *    its leading NUL, userspace shows it as "@";
 *  - other families: no address.
 * Returns false when no record should be sent: NULL pointer, addrlen < 2,
 * unreadable memory, AF_INET with addrlen < 16, AF_INET6 with addrlen < 28.
 */
static __always_inline bool rg_parse_sockaddr(struct rg_network *n, const void *uaddr, long addrlen, bool remote)
{
	__u16 family;

	if (!uaddr || (int)addrlen < 2)
		return false;
	if (bpf_probe_read_user(&family, sizeof(family), uaddr))
		return false;
	n->family = family;
	if (family == RG_AF_INET) {
		struct sockaddr_in sin;

		if ((int)addrlen < (int)sizeof(sin))
			return false;
		if (bpf_probe_read_user(&sin, sizeof(sin), uaddr))
			return false;
		if (remote) {
			n->remote_port = bpf_ntohs(sin.sin_port);
			__builtin_memcpy(n->remote_addr, &sin.sin_addr, 4);
		} else {
			n->local_port = bpf_ntohs(sin.sin_port);
			__builtin_memcpy(n->local_addr, &sin.sin_addr, 4);
		}
		n->net_flags |= remote ? RG_NET_REMOTE_SET : RG_NET_LOCAL_SET;
	} else if (family == RG_AF_INET6) {
		struct sockaddr_in6 sin6;

		if ((int)addrlen < (int)sizeof(sin6))
			return false;
		if (bpf_probe_read_user(&sin6, sizeof(sin6), uaddr))
			return false;
		if (remote) {
			n->remote_port = bpf_ntohs(sin6.sin6_port);
			__builtin_memcpy(n->remote_addr, &sin6.sin6_addr, 16);
		} else {
			n->local_port = bpf_ntohs(sin6.sin6_port);
			__builtin_memcpy(n->local_addr, &sin6.sin6_addr, 16);
		}
		n->net_flags |= remote ? RG_NET_REMOTE_SET : RG_NET_LOCAL_SET;
	} else if (family == RG_AF_UNIX) {
		__u32 len = (__u32)((int)addrlen - 2);

		if (len > RG_UNIX_PATH_MAX)
			len = RG_UNIX_PATH_MAX;
		/* an unreadable path is sent empty rather than dropping the connect */
		if (len && bpf_probe_read_user((char *)(n + 1), len & 127, uaddr + 2))
			len = 0;
		n->path_len = len;
		n->net_flags |= remote ? RG_NET_PATH_REMOTE : RG_NET_PATH_LOCAL;
	}
	return true;
}

#endif /* RG_LIB_SOCKADDR_H */
