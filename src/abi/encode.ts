/**
 * Encoder of records in the events.h wire format: the inverse of ./decode.ts.
 * The kernel is the only real producer; this exists for tests, benchmarks
 * and replay tools. Header kind/version/size are computed unless overridden.
 */
import { HEADER_SIZE, KIND_STRUCT, LAYOUT, RG_COMM_LEN, RG_KIND, RG_SCHEMA_VERSION, RG_TTY_LEN } from './layout.js';
import type { InvalidUtf8, RawEvent, RawHeader, U64 } from './raw-event.js';

/** A header with defaults for every field not given (pid/tid 1, comm "", timestamp 0). */
export function rawHeader(init: Partial<RawHeader> = {}): RawHeader {
  return {
    kind: 0,
    version: RG_SCHEMA_VERSION,
    size: 0,
    flags: 0,
    timestamp_ns: 0,
    pid: 1,
    tid: init.pid ?? 1,
    ppid: 0,
    uid: 0,
    gid: 0,
    comm: '',
    ...init,
  };
}

/** Header fields written as given instead of computed. */
export interface EncodeOverrides {
  kind?: number;
  version?: number;
  size?: number;
}

function writeU64(buf: Buffer, off: number, v: U64): void {
  buf.writeBigUInt64LE(BigInt.asUintN(64, BigInt(v)), off);
}

/** A tail string's bytes: the exact bytes kept in invalid_utf8[field] when present, else its UTF-8 encoding. */
function tailOf(text: string, field: string, invalid: InvalidUtf8 | undefined): Buffer {
  const exact = invalid?.[field];
  return exact ? Buffer.from(exact) : Buffer.from(text, 'utf8');
}

function writeComm(buf: Buffer, off: number, comm: string): void {
  Buffer.from(comm, 'utf8').copy(buf, off, 0, RG_COMM_LEN);
}

/**
 * Encode one record. String tails are UTF-8 (or the exact bytes of the event's invalid_utf8 entry); comm fields are cut at 16
 * bytes. `ev.h.kind`, `.version` and `.size` are ignored (computed from
 * `ev.kind` and the tails) unless given in `overrides`.
 */
export function encodeRecord(ev: RawEvent, overrides: EncodeOverrides = {}): Buffer {
  const layout = LAYOUT[KIND_STRUCT[ev.kind]];
  const tails: Buffer[] = [];
  switch (ev.kind) {
    case RG_KIND.PROCESS_EXEC:
      tails.push(
        tailOf(ev.exe, 'exe', ev.invalid_utf8),
        tailOf(ev.filename, 'filename', ev.invalid_utf8),
        tailOf(ev.cwd, 'cwd', ev.invalid_utf8),
        tailOf(ev.cgroup_path, 'cgroup_path', ev.invalid_utf8),
      );
      break;
    case RG_KIND.EXEC_ARGS:
      tails.push(Buffer.from(ev.data));
      break;
    case RG_KIND.FILE_OPEN:
    case RG_KIND.FILE_OPENAT2:
    case RG_KIND.FILE_WRITE:
    case RG_KIND.FILE_WRITEV:
    case RG_KIND.FILE_PWRITE64:
    case RG_KIND.FILE_UNLINK:
    case RG_KIND.FILE_UNLINKAT:
      tails.push(tailOf(ev.path, 'path', ev.invalid_utf8));
      break;
    case RG_KIND.FILE_CHMOD:
    case RG_KIND.FILE_TRUNCATE:
    case RG_KIND.FILE_SYMLINK:
    case RG_KIND.FILE_LINK:
    case RG_KIND.FILE_SETXATTR:
      tails.push(tailOf(ev.path, 'path', ev.invalid_utf8), tailOf(ev.arg, 'arg', ev.invalid_utf8));
      break;
    case RG_KIND.FILE_RENAME:
    case RG_KIND.FILE_RENAMEAT:
    case RG_KIND.FILE_RENAMEAT2:
      tails.push(tailOf(ev.old_path, 'old_path', ev.invalid_utf8), tailOf(ev.new_path, 'new_path', ev.invalid_utf8));
      break;
    case RG_KIND.NETWORK_CONNECT:
    case RG_KIND.NETWORK_BIND:
    case RG_KIND.NETWORK_LISTEN:
    case RG_KIND.NETWORK_ACCEPT:
    case RG_KIND.NETWORK_SEND:
    case RG_KIND.NETWORK_DNS:
      // latin1 mirrors the decoder: one byte per char
      tails.push(Buffer.from(ev.path, 'latin1'), Buffer.from(ev.payload ?? new Uint8Array(0)));
      break;
    default:
      break;
  }
  const tailBytes = tails.reduce((n, t) => n + t.length, 0);
  const buf = Buffer.alloc(layout.size + tailBytes);
  const H = LAYOUT.rg_header.fields;
  const h = ev.h;
  buf.writeUInt16LE(overrides.kind ?? ev.kind, H.kind);
  buf.writeUInt16LE(overrides.version ?? RG_SCHEMA_VERSION, H.version);
  buf.writeUInt16LE(overrides.size ?? buf.length, H.size);
  buf.writeUInt16LE(h.flags, H.flags);
  writeU64(buf, H.timestamp_ns, h.timestamp_ns);
  buf.writeUInt32LE(h.pid, H.pid);
  buf.writeUInt32LE(h.tid, H.tid);
  buf.writeUInt32LE(h.ppid, H.ppid);
  buf.writeUInt32LE(h.uid, H.uid);
  buf.writeUInt32LE(h.gid, H.gid);
  writeComm(buf, H.comm, h.comm);

  switch (ev.kind) {
    case RG_KIND.PROCESS_EXEC: {
      const F = LAYOUT.rg_process_exec.fields;
      buf.writeUInt32LE(ev.old_pid, F.old_pid);
      // absent in hand-built records: the real ids, i.e. no escalation
      buf.writeUInt32LE(ev.euid, F.euid);
      buf.writeUInt32LE(ev.egid, F.egid);
      buf.writeUInt32LE(ev.suid, F.suid);
      buf.writeUInt32LE(ev.sgid, F.sgid);
      buf.writeUInt32LE(ev.loginuid, F.loginuid);
      buf.writeUInt32LE(ev.sessionid, F.sessionid);
      buf.writeUInt32LE(ev.ns_pid, F.ns_pid);
      buf.writeUInt32LE(ev.pidns_inum, F.pidns_inum);
      buf.writeUInt32LE(ev.mntns_inum, F.mntns_inum);
      buf.writeInt32LE(ev.argc, F.argc);
      buf.writeInt32LE(ev.envc, F.envc);
      buf.writeUInt32LE(ev.args_size, F.args_size);
      buf.writeUInt32LE(ev.args_captured, F.args_captured);
      buf.writeUInt32LE(ev.env_captured, F.env_captured);
      buf.writeUInt32LE(ev.exec_flags, F.exec_flags);
      buf.writeUInt16LE(ev.exe_mode, F.exe_mode);
      writeU64(buf, F.cgroup_id, ev.cgroup_id);
      writeU64(buf, F.start_boottime, ev.start_boottime);
      Buffer.from(ev.tty, 'utf8').copy(buf, F.tty, 0, RG_TTY_LEN);
      buf.writeUInt16LE(tails[0].length, F.exe_len);
      buf.writeUInt16LE(tails[1].length, F.filename_len);
      buf.writeUInt16LE(tails[2].length, F.cwd_len);
      buf.writeUInt16LE(tails[3].length, F.cgroup_len);
      break;
    }
    case RG_KIND.EXEC_ARGS: {
      const F = LAYOUT.rg_exec_args.fields;
      buf.writeUInt32LE(ev.offset, F.offset);
      buf.writeUInt16LE(tails[0].length, F.len);
      buf.writeUInt8(ev.field, F.field);
      break;
    }
    case RG_KIND.EXEC_SYSCALL:
      buf.writeUInt8(ev.source, LAYOUT.rg_exec_syscall.fields.source);
      buf.writeUInt8(ev.argv_empty, LAYOUT.rg_exec_syscall.fields.argv_empty);
      break;
    case RG_KIND.PROCESS_FORK: {
      const F = LAYOUT.rg_process_fork.fields;
      buf.writeUInt32LE(ev.parent_pid, F.parent_pid);
      buf.writeUInt32LE(ev.child_pid, F.child_pid);
      buf.writeUInt32LE(ev.child_tid, F.child_tid);
      writeComm(buf, F.parent_comm, ev.parent_comm);
      writeComm(buf, F.child_comm, ev.child_comm);
      buf.writeBigUInt64LE(BigInt(ev.child_start_boottime), F.child_start_boottime);
      break;
    }
    case RG_KIND.PROCESS_EXIT: {
      const F = LAYOUT.rg_process_exit.fields;
      buf.writeInt32LE(ev.exit_code, F.exit_code);
      buf.writeUInt8(ev.group_dead, F.group_dead);
      break;
    }
    case RG_KIND.FILE_OPEN:
    case RG_KIND.FILE_OPENAT2: {
      const F = LAYOUT.rg_file_open.fields;
      writeU64(buf, F.flags, ev.flags);
      buf.writeUInt32LE(ev.mode, F.mode);
      buf.writeInt32LE(ev.dfd, F.dfd);
      buf.writeUInt16LE(tails[0].length, F.path_len);
      break;
    }
    case RG_KIND.FILE_WRITE:
    case RG_KIND.FILE_WRITEV:
    case RG_KIND.FILE_PWRITE64: {
      const F = LAYOUT.rg_file_write.fields;
      writeU64(buf, F.fd, ev.fd);
      writeU64(buf, F.count, ev.count);
      writeU64(buf, F.iovcnt, ev.iovcnt);
      writeU64(buf, F.pos, ev.pos);
      buf.writeUInt16LE(tails[0].length, F.path_len);
      writeU64(buf, F.file_id, ev.file_id ?? 0);
      break;
    }
    case RG_KIND.FILE_WRITE_SUMMARY: {
      const F = LAYOUT.rg_file_write_summary.fields;
      writeU64(buf, F.file_id, ev.file_id);
      writeU64(buf, F.write_count, ev.write_count);
      writeU64(buf, F.bytes, ev.bytes);
      writeU64(buf, F.first_ns, ev.first_ns);
      writeU64(buf, F.last_ns, ev.last_ns);
      buf.writeUInt32LE(ev.fd, F.fd);
      buf.writeUInt16LE(ev.write_kind, F.write_kind);
      buf.writeUInt8(ev.reason, F.reason);
      break;
    }
    case RG_KIND.FILE_RENAME:
    case RG_KIND.FILE_RENAMEAT:
    case RG_KIND.FILE_RENAMEAT2: {
      const F = LAYOUT.rg_file_rename.fields;
      buf.writeUInt32LE(ev.flags, F.flags);
      buf.writeInt32LE(ev.olddfd, F.olddfd);
      buf.writeInt32LE(ev.newdfd, F.newdfd);
      buf.writeUInt16LE(tails[0].length, F.old_len);
      buf.writeUInt16LE(tails[1].length, F.new_len);
      break;
    }
    case RG_KIND.FILE_CHMOD:
    case RG_KIND.FILE_TRUNCATE:
    case RG_KIND.FILE_SYMLINK:
    case RG_KIND.FILE_LINK:
    case RG_KIND.FILE_SETXATTR: {
      const F = LAYOUT.rg_file_attr.fields;
      writeU64(buf, F.length, ev.length);
      buf.writeUInt32LE(ev.mode, F.mode);
      buf.writeUInt32LE(ev.flags, F.flags);
      buf.writeInt32LE(ev.dfd, F.dfd);
      buf.writeInt32LE(ev.dfd2, F.dfd2);
      buf.writeUInt16LE(tails[0].length, F.path_len);
      buf.writeUInt16LE(tails[1].length, F.arg_len);
      buf.writeUInt8(ev.syscall, F.syscall);
      break;
    }
    case RG_KIND.FILE_UNLINK:
    case RG_KIND.FILE_UNLINKAT: {
      const F = LAYOUT.rg_file_unlink.fields;
      buf.writeUInt32LE(ev.flags, F.flags);
      buf.writeInt32LE(ev.dfd, F.dfd);
      buf.writeUInt16LE(tails[0].length, F.path_len);
      break;
    }
    case RG_KIND.NETWORK_CONNECT:
    case RG_KIND.NETWORK_BIND:
    case RG_KIND.NETWORK_LISTEN:
    case RG_KIND.NETWORK_ACCEPT:
    case RG_KIND.NETWORK_SEND:
    case RG_KIND.NETWORK_DNS: {
      const F = LAYOUT.rg_network.fields;
      buf.writeUInt16LE(ev.family, F.family);
      buf.writeUInt16LE(ev.sock_family, F.sock_family);
      buf.writeUInt16LE(ev.sock_type, F.sock_type);
      buf.writeUInt16LE(ev.protocol, F.protocol);
      buf.writeInt32LE(ev.socket_fd, F.socket_fd);
      buf.writeInt32LE(ev.listen_fd, F.listen_fd);
      buf.writeUInt32LE(ev.addr_len, F.addr_len);
      buf.writeInt32LE(ev.backlog, F.backlog);
      buf.writeInt32LE(ev.err, F.err);
      buf.writeUInt16LE(ev.local_port, F.local_port);
      buf.writeUInt16LE(ev.remote_port, F.remote_port);
      buf.set(ev.local_addr.subarray(0, 16), F.local_addr);
      buf.set(ev.remote_addr.subarray(0, 16), F.remote_addr);
      buf.writeUInt16LE(tails[0].length, F.path_len);
      buf.writeUInt8(ev.direction, F.direction);
      buf.writeUInt8(ev.result, F.result);
      buf.writeUInt8(ev.net_flags, F.net_flags);
      buf.writeUInt16LE(tails[1].length, F.payload_len);
      writeU64(buf, F.bytes, ev.bytes ?? 0);
      writeU64(buf, F.sock_id, ev.sock_id ?? 0);
      break;
    }
    case RG_KIND.NETWORK_CONNECT_RESULT:
    case RG_KIND.NETWORK_CLOSE: {
      const F = LAYOUT.rg_net_lifecycle.fields;
      writeU64(buf, F.sock_id, ev.sock_id);
      writeU64(buf, F.start_ns, ev.start_ns);
      writeU64(buf, F.bytes_acked, ev.bytes_acked);
      writeU64(buf, F.bytes_received, ev.bytes_received);
      writeU64(buf, F.bytes_sent, ev.bytes_sent);
      writeU64(buf, F.bytes_retrans, ev.bytes_retrans);
      buf.writeUInt32LE(ev.total_retrans, F.total_retrans);
      buf.writeUInt32LE(ev.segs_out, F.segs_out);
      buf.writeUInt32LE(ev.segs_in, F.segs_in);
      buf.writeInt32LE(ev.err, F.err);
      buf.writeInt32LE(ev.socket_fd, F.socket_fd);
      buf.writeUInt16LE(ev.family, F.family);
      buf.writeUInt16LE(ev.local_port, F.local_port);
      buf.writeUInt16LE(ev.remote_port, F.remote_port);
      buf.writeUInt8(ev.direction, F.direction);
      buf.writeUInt8(ev.old_state, F.old_state);
      buf.writeUInt8(ev.new_state, F.new_state);
      buf.writeUInt8(ev.result, F.result);
      buf.writeUInt8(ev.from_exit, F.from_exit);
      buf.writeUInt8(ev.fin_received, F.fin_received);
      buf.set(ev.local_addr.subarray(0, 16), F.local_addr);
      buf.set(ev.remote_addr.subarray(0, 16), F.remote_addr);
      break;
    }
  }
  let off = layout.size;
  for (const t of tails) {
    t.copy(buf, off);
    off += t.length;
  }
  return buf;
}

/** Concatenate records into a native-bridge batch (u32 LE length before each). */
export function encodeBatch(records: readonly Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const r of records) {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(r.length, 0);
    parts.push(len, r);
  }
  return Buffer.concat(parts);
}

/** sizeof(struct rg_header), re-exported for tests that build short records. */
export { HEADER_SIZE };
