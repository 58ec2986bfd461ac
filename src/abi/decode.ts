/**
 * Decoder for records of the `events` ring buffer (layouts in ./layout.ts,
 * mirroring bpf/events.h), and for the native bridge's batches of them.
 * Never throws on malformed input: every problem is a DecodeResult with ok=false.
 */
import {
  HEADER_SIZE,
  KIND_STRUCT,
  LAYOUT,
  RG_COMM_LEN,
  RG_DNS_PAYLOAD_MAX,
  RG_ARGS_CHUNK,
  RG_CGROUP_PATH_MAX,
  RG_KIND,
  RG_PATH_MAX,
  RG_SCHEMA_VERSION,
  RG_TTY_LEN,
  RG_UNIX_PATH_MAX,
  type RgKind,
} from './layout.js';
import { readCString, readS64, readTailString, readU64 } from './read.js';
import type { DecodeResult, InvalidUtf8, RawEvent, RawHeader } from './raw-event.js';

export type { DecodeResult, RawEvent } from './raw-event.js';

const H = LAYOUT.rg_header.fields;
const EXEC = LAYOUT.rg_process_exec.fields;
const EXEC_SYSCALL = LAYOUT.rg_exec_syscall.fields;
const EXEC_ARGS = LAYOUT.rg_exec_args.fields;
const FORK = LAYOUT.rg_process_fork.fields;
const EXIT = LAYOUT.rg_process_exit.fields;
const OPEN = LAYOUT.rg_file_open.fields;
const WRITE = LAYOUT.rg_file_write.fields;
const SUMMARY = LAYOUT.rg_file_write_summary.fields;
const RENAME = LAYOUT.rg_file_rename.fields;
const UNLINK = LAYOUT.rg_file_unlink.fields;
const ATTR = LAYOUT.rg_file_attr.fields;
const NET = LAYOUT.rg_network.fields;
const LC = LAYOUT.rg_net_lifecycle.fields;

/** Bytes of the u32 little-endian length that prefixes each record in a bridge batch. */
export const BATCH_LENGTH_PREFIX = 4;

function invalid(detail: string): DecodeResult {
  return { ok: false, reason: 'invalid_schema', detail };
}

/** 16-byte copy: the event must not alias a batch buffer the bridge may reuse. */
function copyAddr(buf: Buffer, off: number): Uint8Array {
  const addr = new Uint8Array(16);
  for (let i = 0; i < 16; i++) addr[i] = buf[off + i];
  return addr;
}

/** Shared empty payload of every network record without one (never written to). */
const NO_PAYLOAD = new Uint8Array(0);

function isKnownKind(kind: number): kind is RgKind {
  return Object.prototype.hasOwnProperty.call(KIND_STRUCT, kind);
}

/**
 * Decode one record occupying buf[offset, offset + length).
 *
 * Checks, in order (first failure wins):
 *  - length < sizeof(rg_header) (56) or the range exceeds buf -> invalid_schema
 *  - header.version != RG_SCHEMA_VERSION                  -> invalid_schema
 *  - header.kind not in enum rg_kind                          -> unsupported_kind
 *  - header.size != length                                    -> invalid_schema
 *  - length < sizeof(struct of the kind)                      -> invalid_schema
 *  - sizeof(struct) + tail lengths != header.size             -> invalid_schema
 * Strings are lossy UTF-8 (U+FFFD for invalid bytes); the exact bytes of an invalid tail string are kept in
 * the event's invalid_utf8 (see InvalidUtf8). comm and tty fields end at the first NUL.
 */
export function decodeRecord(buf: Buffer, offset: number, length: number): DecodeResult {
  if (length < HEADER_SIZE) return invalid(`record of ${length} bytes is shorter than the ${HEADER_SIZE}-byte header`);
  if (offset < 0 || offset + length > buf.length) {
    return invalid(`record [${offset}, ${offset + length}) exceeds the ${buf.length}-byte buffer`);
  }
  const version = buf.readUInt16LE(offset + H.version);
  if (version !== RG_SCHEMA_VERSION) {
    return invalid(`schema version ${version}, expected ${RG_SCHEMA_VERSION}`);
  }
  const kind = buf.readUInt16LE(offset + H.kind);
  if (!isKnownKind(kind)) return { ok: false, reason: 'unsupported_kind', detail: `unknown kind ${kind}` };
  const size = buf.readUInt16LE(offset + H.size);
  if (size !== length) return invalid(`kind ${kind}: header.size ${size} != record length ${length}`);
  const structName = KIND_STRUCT[kind];
  const fixed = LAYOUT[structName].size;
  if (length < fixed) return invalid(`kind ${kind}: ${length} bytes, ${structName} needs ${fixed}`);

  const h: RawHeader = {
    kind,
    version,
    size,
    flags: buf.readUInt16LE(offset + H.flags),
    timestamp_ns: readU64(buf, offset + H.timestamp_ns),
    pid: buf.readUInt32LE(offset + H.pid),
    tid: buf.readUInt32LE(offset + H.tid),
    ppid: buf.readUInt32LE(offset + H.ppid),
    uid: buf.readUInt32LE(offset + H.uid),
    gid: buf.readUInt32LE(offset + H.gid),
    comm: readCString(buf, offset + H.comm, RG_COMM_LEN),
  };
  const o = offset;
  const tail = offset + fixed;
  const tailMismatch = (tails: number): DecodeResult =>
    invalid(`kind ${kind}: ${structName} (${fixed}) + tail lengths (${tails}) != header.size ${size}`);

  let event: RawEvent;
  switch (kind) {
    case RG_KIND.PROCESS_EXEC: {
      const exeLen = buf.readUInt16LE(o + EXEC.exe_len);
      const fileLen = buf.readUInt16LE(o + EXEC.filename_len);
      const cwdLen = buf.readUInt16LE(o + EXEC.cwd_len);
      const cgLen = buf.readUInt16LE(o + EXEC.cgroup_len);
      if (exeLen > RG_PATH_MAX || fileLen > RG_PATH_MAX || cwdLen > RG_PATH_MAX || cgLen > RG_CGROUP_PATH_MAX) {
        return invalid(`kind ${kind}: a tail length exceeds its bound (${exeLen}, ${fileLen}, ${cwdLen}, ${cgLen})`);
      }
      if (fixed + exeLen + fileLen + cwdLen + cgLen !== size) return tailMismatch(exeLen + fileLen + cwdLen + cgLen);
      const strings: { invalid_utf8?: InvalidUtf8 } = {};
      const fileAt = tail + exeLen;
      const cwdAt = fileAt + fileLen;
      const cgAt = cwdAt + cwdLen;
      event = {
        kind,
        h,
        old_pid: buf.readUInt32LE(o + EXEC.old_pid),
        euid: buf.readUInt32LE(o + EXEC.euid),
        egid: buf.readUInt32LE(o + EXEC.egid),
        suid: buf.readUInt32LE(o + EXEC.suid),
        sgid: buf.readUInt32LE(o + EXEC.sgid),
        loginuid: buf.readUInt32LE(o + EXEC.loginuid),
        sessionid: buf.readUInt32LE(o + EXEC.sessionid),
        ns_pid: buf.readUInt32LE(o + EXEC.ns_pid),
        pidns_inum: buf.readUInt32LE(o + EXEC.pidns_inum),
        mntns_inum: buf.readUInt32LE(o + EXEC.mntns_inum),
        argc: buf.readInt32LE(o + EXEC.argc),
        envc: buf.readInt32LE(o + EXEC.envc),
        args_size: buf.readUInt32LE(o + EXEC.args_size),
        args_captured: buf.readUInt32LE(o + EXEC.args_captured),
        env_captured: buf.readUInt32LE(o + EXEC.env_captured),
        exec_flags: buf.readUInt32LE(o + EXEC.exec_flags),
        exe_mode: buf.readUInt16LE(o + EXEC.exe_mode),
        cgroup_id: readU64(buf, o + EXEC.cgroup_id),
        start_boottime: readU64(buf, o + EXEC.start_boottime),
        tty: readCString(buf, o + EXEC.tty, RG_TTY_LEN),
        exe: readTailString(buf, tail, fileAt, 'exe', strings),
        filename: readTailString(buf, fileAt, cwdAt, 'filename', strings),
        cwd: readTailString(buf, cwdAt, cgAt, 'cwd', strings),
        cgroup_path: readTailString(buf, cgAt, cgAt + cgLen, 'cgroup_path', strings),
      };
      if (strings.invalid_utf8) event.invalid_utf8 = strings.invalid_utf8;
      break;
    }
    case RG_KIND.EXEC_ARGS: {
      const len = buf.readUInt16LE(o + EXEC_ARGS.len);
      if (len > RG_ARGS_CHUNK) return invalid(`kind ${kind}: len ${len} > ${RG_ARGS_CHUNK}`);
      if (fixed + len !== size) return tailMismatch(len);
      event = {
        kind,
        h,
        field: buf.readUInt8(o + EXEC_ARGS.field),
        offset: buf.readUInt32LE(o + EXEC_ARGS.offset),
        // a copy: the bridge reuses its batch buffers
        data: new Uint8Array(buf.subarray(tail, tail + len)),
      };
      break;
    }
    case RG_KIND.EXEC_SYSCALL:
      if (fixed !== size) return tailMismatch(size - fixed);
      event = {
        kind,
        h,
        source: buf.readUInt8(o + EXEC_SYSCALL.source),
        argv_empty: buf.readUInt8(o + EXEC_SYSCALL.argv_empty),
      };
      break;
    case RG_KIND.PROCESS_FORK:
      if (fixed !== size) return tailMismatch(size - fixed);
      event = {
        kind,
        h,
        parent_pid: buf.readUInt32LE(o + FORK.parent_pid),
        child_pid: buf.readUInt32LE(o + FORK.child_pid),
        child_tid: buf.readUInt32LE(o + FORK.child_tid),
        parent_comm: readCString(buf, o + FORK.parent_comm, RG_COMM_LEN),
        child_comm: readCString(buf, o + FORK.child_comm, RG_COMM_LEN),
        child_start_boottime: readU64(buf, o + FORK.child_start_boottime),
      };
      break;
    case RG_KIND.PROCESS_EXIT:
      if (fixed !== size) return tailMismatch(size - fixed);
      event = {
        kind,
        h,
        exit_code: buf.readInt32LE(o + EXIT.exit_code),
        group_dead: buf.readUInt8(o + EXIT.group_dead),
      };
      break;
    case RG_KIND.FILE_OPEN:
    case RG_KIND.FILE_OPENAT2: {
      const pathLen = buf.readUInt16LE(o + OPEN.path_len);
      if (fixed + pathLen !== size) return tailMismatch(pathLen);
      const open: { invalid_utf8?: InvalidUtf8 } = {};
      event = {
        kind,
        h,
        flags: readU64(buf, o + OPEN.flags),
        mode: buf.readUInt32LE(o + OPEN.mode),
        dfd: buf.readInt32LE(o + OPEN.dfd),
        path: readTailString(buf, tail, tail + pathLen, 'path', open),
      };
      if (open.invalid_utf8) event.invalid_utf8 = open.invalid_utf8;
      break;
    }
    case RG_KIND.FILE_WRITE:
    case RG_KIND.FILE_WRITEV:
    case RG_KIND.FILE_PWRITE64: {
      const pathLen = buf.readUInt16LE(o + WRITE.path_len);
      if (fixed + pathLen !== size) return tailMismatch(pathLen);
      const write: { invalid_utf8?: InvalidUtf8 } = {};
      event = {
        kind,
        h,
        fd: readU64(buf, o + WRITE.fd),
        count: readU64(buf, o + WRITE.count),
        iovcnt: readS64(buf, o + WRITE.iovcnt),
        pos: readS64(buf, o + WRITE.pos),
        path: readTailString(buf, tail, tail + pathLen, 'path', write),
        file_id: readU64(buf, o + WRITE.file_id),
      };
      if (write.invalid_utf8) event.invalid_utf8 = write.invalid_utf8;
      break;
    }
    case RG_KIND.FILE_WRITE_SUMMARY: {
      if (fixed !== size) return tailMismatch(0);
      event = {
        kind,
        h,
        file_id: readU64(buf, o + SUMMARY.file_id),
        write_count: readU64(buf, o + SUMMARY.write_count),
        bytes: readU64(buf, o + SUMMARY.bytes),
        first_ns: readU64(buf, o + SUMMARY.first_ns),
        last_ns: readU64(buf, o + SUMMARY.last_ns),
        fd: buf.readUInt32LE(o + SUMMARY.fd),
        write_kind: buf.readUInt16LE(o + SUMMARY.write_kind),
        reason: buf.readUInt8(o + SUMMARY.reason),
      };
      break;
    }
    case RG_KIND.FILE_RENAME:
    case RG_KIND.FILE_RENAMEAT:
    case RG_KIND.FILE_RENAMEAT2: {
      const oldLen = buf.readUInt16LE(o + RENAME.old_len);
      const newLen = buf.readUInt16LE(o + RENAME.new_len);
      if (fixed + oldLen + newLen !== size) return tailMismatch(oldLen + newLen);
      const rename: { invalid_utf8?: InvalidUtf8 } = {};
      event = {
        kind,
        h,
        flags: buf.readUInt32LE(o + RENAME.flags),
        olddfd: buf.readInt32LE(o + RENAME.olddfd),
        newdfd: buf.readInt32LE(o + RENAME.newdfd),
        old_path: readTailString(buf, tail, tail + oldLen, 'old_path', rename),
        new_path: readTailString(buf, tail + oldLen, tail + oldLen + newLen, 'new_path', rename),
      };
      if (rename.invalid_utf8) event.invalid_utf8 = rename.invalid_utf8;
      break;
    }
    case RG_KIND.FILE_UNLINK:
    case RG_KIND.FILE_UNLINKAT: {
      const pathLen = buf.readUInt16LE(o + UNLINK.path_len);
      if (fixed + pathLen !== size) return tailMismatch(pathLen);
      const unlink: { invalid_utf8?: InvalidUtf8 } = {};
      event = {
        kind,
        h,
        flags: buf.readUInt32LE(o + UNLINK.flags),
        dfd: buf.readInt32LE(o + UNLINK.dfd),
        path: readTailString(buf, tail, tail + pathLen, 'path', unlink),
      };
      if (unlink.invalid_utf8) event.invalid_utf8 = unlink.invalid_utf8;
      break;
    }
    case RG_KIND.FILE_CHMOD:
    case RG_KIND.FILE_TRUNCATE:
    case RG_KIND.FILE_SYMLINK:
    case RG_KIND.FILE_LINK:
    case RG_KIND.FILE_SETXATTR: {
      const pathLen = buf.readUInt16LE(o + ATTR.path_len);
      const argLen = buf.readUInt16LE(o + ATTR.arg_len);
      if (pathLen > RG_PATH_MAX || argLen > RG_PATH_MAX) {
        return invalid(`kind ${kind}: a tail length exceeds ${RG_PATH_MAX} (${pathLen}, ${argLen})`);
      }
      if (fixed + pathLen + argLen !== size) return tailMismatch(pathLen + argLen);
      const attr: { invalid_utf8?: InvalidUtf8 } = {};
      event = {
        kind,
        h,
        syscall: buf.readUInt8(o + ATTR.syscall),
        length: readU64(buf, o + ATTR.length),
        mode: buf.readUInt32LE(o + ATTR.mode),
        flags: buf.readUInt32LE(o + ATTR.flags),
        dfd: buf.readInt32LE(o + ATTR.dfd),
        dfd2: buf.readInt32LE(o + ATTR.dfd2),
        path: readTailString(buf, tail, tail + pathLen, 'path', attr),
        arg: readTailString(buf, tail + pathLen, tail + pathLen + argLen, 'arg', attr),
      };
      if (attr.invalid_utf8) event.invalid_utf8 = attr.invalid_utf8;
      break;
    }
    case RG_KIND.NETWORK_CONNECT:
    case RG_KIND.NETWORK_BIND:
    case RG_KIND.NETWORK_LISTEN:
    case RG_KIND.NETWORK_ACCEPT:
    case RG_KIND.NETWORK_SEND:
    case RG_KIND.NETWORK_DNS: {
      const pathLen = buf.readUInt16LE(o + NET.path_len);
      if (pathLen > RG_UNIX_PATH_MAX) return invalid(`kind ${kind}: path_len ${pathLen} > ${RG_UNIX_PATH_MAX}`);
      const payloadLen = buf.readUInt16LE(o + NET.payload_len);
      if (payloadLen > RG_DNS_PAYLOAD_MAX) return invalid(`kind ${kind}: payload_len ${payloadLen} > ${RG_DNS_PAYLOAD_MAX}`);
      if (fixed + pathLen + payloadLen !== size) return tailMismatch(pathLen + payloadLen);
      event = {
        kind,
        h,
        family: buf.readUInt16LE(o + NET.family),
        sock_family: buf.readUInt16LE(o + NET.sock_family),
        sock_type: buf.readUInt16LE(o + NET.sock_type),
        protocol: buf.readUInt16LE(o + NET.protocol),
        socket_fd: buf.readInt32LE(o + NET.socket_fd),
        listen_fd: buf.readInt32LE(o + NET.listen_fd),
        addr_len: buf.readUInt32LE(o + NET.addr_len),
        backlog: buf.readInt32LE(o + NET.backlog),
        err: buf.readInt32LE(o + NET.err),
        local_port: buf.readUInt16LE(o + NET.local_port),
        remote_port: buf.readUInt16LE(o + NET.remote_port),
        local_addr: copyAddr(buf, o + NET.local_addr),
        remote_addr: copyAddr(buf, o + NET.remote_addr),
        direction: buf.readUInt8(o + NET.direction),
        result: buf.readUInt8(o + NET.result),
        net_flags: buf.readUInt8(o + NET.net_flags),
        // latin1: byte-exact (abstract names may hold NULs and non-UTF-8 bytes)
        path: buf.toString('latin1', tail, tail + pathLen),
        bytes: readU64(buf, o + NET.bytes),
        sock_id: readU64(buf, o + NET.sock_id),
        // a copy: the bridge reuses its batch buffers
        payload: payloadLen === 0 ? NO_PAYLOAD : new Uint8Array(buf.subarray(tail + pathLen, tail + pathLen + payloadLen)),
      };
      break;
    }
    case RG_KIND.NETWORK_CONNECT_RESULT:
    case RG_KIND.NETWORK_CLOSE:
      if (fixed !== size) return tailMismatch(size - fixed);
      event = {
        kind,
        h,
        sock_id: readU64(buf, o + LC.sock_id),
        start_ns: readU64(buf, o + LC.start_ns),
        bytes_acked: readU64(buf, o + LC.bytes_acked),
        bytes_received: readU64(buf, o + LC.bytes_received),
        bytes_sent: readU64(buf, o + LC.bytes_sent),
        bytes_retrans: readU64(buf, o + LC.bytes_retrans),
        total_retrans: buf.readUInt32LE(o + LC.total_retrans),
        segs_out: buf.readUInt32LE(o + LC.segs_out),
        segs_in: buf.readUInt32LE(o + LC.segs_in),
        err: buf.readInt32LE(o + LC.err),
        socket_fd: buf.readInt32LE(o + LC.socket_fd),
        family: buf.readUInt16LE(o + LC.family),
        local_port: buf.readUInt16LE(o + LC.local_port),
        remote_port: buf.readUInt16LE(o + LC.remote_port),
        direction: buf.readUInt8(o + LC.direction),
        old_state: buf.readUInt8(o + LC.old_state),
        new_state: buf.readUInt8(o + LC.new_state),
        result: buf.readUInt8(o + LC.result),
        from_exit: buf.readUInt8(o + LC.from_exit),
        fin_received: buf.readUInt8(o + LC.fin_received),
        local_addr: copyAddr(buf, o + LC.local_addr),
        remote_addr: copyAddr(buf, o + LC.remote_addr),
      };
      break;
  }
  return { ok: true, event };
}

/**
 * Decode a native-bridge batch: records back to back, each prefixed by its
 * length as a u32 little-endian (no padding). Calls onRecord once per record,
 * in order. A truncated trailing prefix or record yields one invalid_schema
 * result and ends the batch; this function never throws on malformed input.
 */
export function decodeBatch(batch: Buffer, onRecord: (r: DecodeResult) => void): void {
  let off = 0;
  const end = batch.length;
  while (off < end) {
    if (end - off < BATCH_LENGTH_PREFIX) {
      onRecord(invalid(`batch: truncated length prefix at byte ${off} (${end - off} bytes left)`));
      return;
    }
    const len = batch.readUInt32LE(off);
    off += BATCH_LENGTH_PREFIX;
    if (len > end - off) {
      onRecord(invalid(`batch: record at byte ${off} claims ${len} bytes, ${end - off} left`));
      return;
    }
    onRecord(decodeRecord(batch, off, len));
    off += len;
  }
}
