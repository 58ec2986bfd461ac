/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Socket facts read from the kernel's struct sock behind an fd
 * (fd -> struct file -> private_data (struct socket) -> sk), CO-RE.
 * Reading the live socket instead of keeping a socket table in a map means
 * no per-socket state to bound, evict or clean on close: what the record
 * says is what the kernel holds at the syscall's exit.
 */
#ifndef RG_LIB_SOCKET_H
#define RG_LIB_SOCKET_H

#include "path.h"
#include "sockaddr.h"

/* include/uapi/linux/stat.h */
#define RG_S_IFMT 00170000
#define RG_S_IFSOCK 0140000

/*
 * struct sock of fd in the current task, or NULL when fd is not open or not
 * a socket (private_data of other files is not a struct socket).
 */
static __always_inline struct sock *rg_fd_sock(long fd)
{
	struct file *file = rg_fd_file(fd);
	struct socket *sock;
	umode_t mode;

	if (!file)
		return NULL;
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & RG_S_IFMT) != RG_S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	if (!sock)
		return NULL;
	return BPF_CORE_READ(sock, sk);
}

/*
 * Fills n->sock_family, sock_type, protocol (flag RG_NET_SOCK_READ) and
 * sock_id (the struct sock address) from the socket of fd and, when asked, its endpoints for AF_INET / AF_INET6:
 * local: skc_rcv_saddr / skc_v6_rcv_saddr and skc_num (host order already);
 * remote: skc_daddr / skc_v6_daddr and ntohs(skc_dport).
 * Nothing is set when fd is not a socket.
 */
static __always_inline void rg_read_sock(struct rg_network *n, long fd, bool local, bool remote)
{
	struct sock *sk = rg_fd_sock(fd);
	__u16 family;

	if (!sk)
		return;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	n->sock_family = family;
	n->sock_type = BPF_CORE_READ(sk, sk_type);
	n->protocol = BPF_CORE_READ(sk, sk_protocol);
	n->net_flags |= RG_NET_SOCK_READ;
	n->sock_id = (__u64)sk;
	if (family == RG_AF_INET) {
		if (local) {
			bpf_core_read(n->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
			n->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
			n->net_flags |= RG_NET_LOCAL_SET;
		}
		if (remote) {
			bpf_core_read(n->remote_addr, 4, &sk->__sk_common.skc_daddr);
			n->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
			n->net_flags |= RG_NET_REMOTE_SET;
		}
	} else if (family == RG_AF_INET6 && bpf_core_field_exists(sk->__sk_common.skc_v6_daddr)) {
		if (local) {
			bpf_core_read(n->local_addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
			n->local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
			n->net_flags |= RG_NET_LOCAL_SET;
		}
		if (remote) {
			bpf_core_read(n->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
			n->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
			n->net_flags |= RG_NET_REMOTE_SET;
		}
	}
}

#endif /* RG_LIB_SOCKET_H */
