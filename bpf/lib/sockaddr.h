/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User sockaddr parsing for connect/bind into struct rg_network.
 */
#ifndef RG_LIB_SOCKADDR_H
#define RG_LIB_SOCKADDR_H

#include "common.h"

/*
 * Fills n->family, n->port (host order) and n->addr (network order) from the
 * user sockaddr at uaddr of addrlen bytes. Returns false when no record
 * should be sent: NULL pointer, addrlen < 2, unreadable memory, AF_INET with
 * addrlen < 16, AF_INET6 with addrlen < 28. Other families keep their raw
 * value with port 0 and a zero address.
 */
static __always_inline bool rg_parse_sockaddr(struct rg_network *n, const void *uaddr, long addrlen)
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
		n->port = bpf_ntohs(sin.sin_port);
		__builtin_memcpy(n->addr, &sin.sin_addr, 4);
	} else if (family == RG_AF_INET6) {
		struct sockaddr_in6 sin6;

		if ((int)addrlen < (int)sizeof(sin6))
			return false;
		if (bpf_probe_read_user(&sin6, sizeof(sin6), uaddr))
			return false;
		n->port = bpf_ntohs(sin6.sin6_port);
		__builtin_memcpy(n->addr, &sin6.sin6_addr, 16);
	}
	return true;
}

#endif /* RG_LIB_SOCKADDR_H */
