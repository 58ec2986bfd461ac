import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatch, decodeRecord, type DecodeResult } from '../src/abi/decode.js';
import { encodeBatch, encodeRecord, rawHeader } from '../src/abi/encode.js';
import { HEADER_SIZE, LAYOUT, RG_ATTR_SYSCALL, RG_FLAG, RG_FLUSH_REASON, RG_KIND, RG_NET_FLAG, RG_NET_RESULT, RG_SCHEMA_VERSION } from '../src/abi/layout.js';
import type { RawEvent, RawNetwork } from '../src/abi/raw-event.js';
import { rawExec } from './helpers/raw-fixtures.js';

const h = (kind: number) =>
  rawHeader({ kind, timestamp_ns: 81234567890123, pid: 4242, tid: 4243, ppid: 4100, uid: 1000, gid: 1001, comm: 'bash', flags: 0 });

function addr(...bytes: number[]): Uint8Array {
  const a = new Uint8Array(16);
  a.set(bytes);
  return a;
}

/** A network event with every field given (defaults: nothing read, no tail). */
function net(kind: RawNetwork['kind'], o: Partial<Omit<RawNetwork, 'kind' | 'h'>>): RawNetwork {
  return {
    kind, h: h(kind), family: 0, sock_family: 0, sock_type: 0, protocol: 0, socket_fd: 3, listen_fd: -1, addr_len: 0,
    backlog: 0, err: 0, local_port: 0, remote_port: 0, local_addr: addr(), remote_addr: addr(), direction: 1, result: 0,
    net_flags: 0, path: '', bytes: 0, sock_id: 0, payload: new Uint8Array(0), ...o,
  };
}

/** One valid event of every kind. */
const SAMPLES: RawEvent[] = [
  rawExec(h(1), {
    old_pid: 4243, euid: 0, egid: 42, suid: 0, sgid: 42, loginuid: 1000, sessionid: 3, ns_pid: 12, pidns_inum: 4026532000,
    mntns_inum: 4026532001, argc: 2, envc: 9, args_size: 20, args_captured: 20, env_captured: 11, exec_flags: 0x24f,
    exe_mode: 0o104755, cgroup_id: 9876, start_boottime: 81234000000000, tty: 'pts/3', exe: '/usr/bin/true',
    filename: './true', cwd: '/home/u', cgroup_path: '/user.slice/user-1000.slice/session-3.scope',
  }),
  { kind: RG_KIND.EXEC_SYSCALL, h: h(6), source: 2, argv_empty: 1 },
  { kind: RG_KIND.PROCESS_FORK, h: h(4), parent_pid: 4242, child_pid: 5000, child_tid: 5000, parent_comm: 'bash', child_comm: 'bash', child_start_boottime: 123_456_789_012 },
  { kind: RG_KIND.PROCESS_EXIT, h: h(5), exit_code: 9, group_dead: 1 },
  { kind: RG_KIND.FILE_OPEN, h: h(7), flags: 577, mode: 0o644, dfd: -100, path: '/etc/hosts' },
  { kind: RG_KIND.FILE_OPENAT2, h: h(8), flags: 524288, mode: 0, dfd: 3, path: '/etc/passwd' },
  { kind: RG_KIND.FILE_WRITE, h: h(9), fd: 1, count: 30, iovcnt: 0, pos: 0, path: '/etc/crontab', file_id: 0xffff_8881_0a0b_0c00n },
  { kind: RG_KIND.FILE_WRITEV, h: h(10), fd: 3, count: 0, iovcnt: 2, pos: 0, path: '/etc/crontab', file_id: 0 },
  { kind: RG_KIND.FILE_PWRITE64, h: h(11), fd: 3, count: 12, iovcnt: 0, pos: -4, path: '/etc/crontab', file_id: 4096 },
  { kind: RG_KIND.FILE_RENAME, h: h(12), flags: 0, olddfd: -100, newdfd: -100, old_path: '/tmp/a', new_path: '/etc/a' },
  { kind: RG_KIND.FILE_RENAMEAT, h: h(13), flags: 0, olddfd: 3, newdfd: 4, old_path: '/tmp/b', new_path: '/etc/b' },
  { kind: RG_KIND.FILE_RENAMEAT2, h: h(14), flags: 1, olddfd: 3, newdfd: 4, old_path: '/etc/cron.d/.x', new_path: '/etc/cron.d/job' },
  { kind: RG_KIND.FILE_UNLINK, h: h(15), flags: 0, dfd: -100, path: '/etc/a' },
  { kind: RG_KIND.FILE_UNLINKAT, h: h(16), flags: 0x200, dfd: -100, path: '/etc/dir' },
  net(RG_KIND.NETWORK_CONNECT, {
    family: 2, sock_family: 2, sock_type: 1, protocol: 6, addr_len: 16, remote_port: 4444, remote_addr: addr(127, 0, 0, 1),
    local_port: 40000, local_addr: addr(127, 0, 0, 1), result: RG_NET_RESULT.FAILED, err: 111,
    net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.REMOTE_SET,
  }),
  net(RG_KIND.NETWORK_BIND, {
    family: 10, socket_fd: 4, addr_len: 28, local_port: 8080, local_addr: addr(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
    direction: 2, result: RG_NET_RESULT.SUCCESS, net_flags: RG_NET_FLAG.LOCAL_SET,
  }),
  net(RG_KIND.NETWORK_LISTEN, { family: 2, sock_family: 2, sock_type: 1, protocol: 6, socket_fd: 4, backlog: 128, direction: 2, result: 1 }),
  net(RG_KIND.NETWORK_ACCEPT, {
    family: 10, sock_family: 10, sock_type: 1, protocol: 6, socket_fd: 5, listen_fd: 4, direction: 3, result: 1,
    local_port: 4444, remote_port: 51000, remote_addr: addr(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1),
    net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.LOCAL_SET | RG_NET_FLAG.REMOTE_SET,
  }),
  net(RG_KIND.NETWORK_SEND, {
    family: 2, sock_family: 2, sock_type: 2, protocol: 17, addr_len: 16, remote_port: 9999, remote_addr: addr(10, 1, 2, 3),
    bytes: 1400, net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.REMOTE_SET,
  }),
  net(RG_KIND.NETWORK_DNS, {
    family: 2, sock_family: 2, sock_type: 2, protocol: 17, remote_port: 53, remote_addr: addr(127, 0, 0, 53), bytes: 29,
    payload: new Uint8Array([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0x61, 0, 0, 1, 0, 1]),
    net_flags: RG_NET_FLAG.SOCK_READ | RG_NET_FLAG.REMOTE_SET | RG_NET_FLAG.DEST_FROM_SOCK,
  }),
  { kind: RG_KIND.EXEC_ARGS, h: h(22), field: 1, offset: 16384, data: new Uint8Array([0x61, 0, 0x62, 0]) },
  // issue 15: TCP lifecycle records (struct rg_net_lifecycle, no tail)
  ...([RG_KIND.NETWORK_CONNECT_RESULT, RG_KIND.NETWORK_CLOSE] as const).map((kind) => ({
    kind, h: h(kind), sock_id: 0xffff_8881_0000_1200n, start_ns: 81234000000000, bytes_acked: 1002, bytes_received: 301,
    bytes_sent: 1100, bytes_retrans: 100, total_retrans: 1, segs_out: 9, segs_in: 7, err: kind === RG_KIND.NETWORK_CLOSE ? 104 : 0,
    socket_fd: 3, family: 2, local_port: 40000, remote_port: 4444, direction: 1, old_state: 2, new_state: 1, result: 1, from_exit: 0,
    fin_received: 1, local_addr: addr(127, 0, 0, 1), remote_addr: addr(127, 0, 0, 2),
  })),
  // write coalescing: the follow-up record of a first write (no tail)
  {
    kind: RG_KIND.FILE_WRITE_SUMMARY, h: h(25), file_id: 0xffff_8881_0a0b_0c00n, write_count: 699_999, bytes: 0x1_0000_0001,
    first_ns: 81234000000000, last_ns: 81234999000000, fd: 7, write_kind: RG_KIND.FILE_PWRITE64, reason: RG_FLUSH_REASON.CLOSE,
  },
  // file attribute records (struct rg_file_attr: path tail, then the second string)
  {
    kind: RG_KIND.FILE_CHMOD, h: h(26), syscall: RG_ATTR_SYSCALL.FCHMODAT2, length: 0, mode: 0o4755, flags: 0x100, dfd: 5,
    dfd2: -100, path: '/usr/local/bin/tool', arg: '',
  },
  {
    kind: RG_KIND.FILE_TRUNCATE, h: h(27), syscall: RG_ATTR_SYSCALL.FTRUNCATE, length: 0x1_0000_0002, mode: 0, flags: 0,
    dfd: 3, dfd2: -100, path: '/root/.bash_history', arg: '',
  },
  {
    kind: RG_KIND.FILE_SYMLINK, h: h(28), syscall: RG_ATTR_SYSCALL.SYMLINKAT, length: 0, mode: 0, flags: 0, dfd: 4, dfd2: 4,
    path: '/home/u/.bash_history', arg: '/dev/null',
  },
  {
    kind: RG_KIND.FILE_LINK, h: h(29), syscall: RG_ATTR_SYSCALL.LINKAT, length: 0, mode: 0, flags: 0x400, dfd: -100, dfd2: 7,
    path: '/tmp/x', arg: '/etc/shadow',
  },
  {
    kind: RG_KIND.FILE_SETXATTR, h: h(30), syscall: RG_ATTR_SYSCALL.SETXATTR, length: 20, mode: 0, flags: 0, dfd: -100,
    dfd2: -100, path: '/usr/bin/ping', arg: 'security.capability',
  },
];

function ok(r: DecodeResult): RawEvent {
  if (!r.ok) assert.fail(`expected ok, got ${r.reason}: ${r.detail}`);
  return r.event;
}

function expectFailure(r: DecodeResult, reason: 'invalid_schema' | 'unsupported_kind', detail?: RegExp): void {
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.reason, reason);
  if (detail) assert.match(r.detail, detail);
}

test('a valid record of every kind decodes to the fields it was built from', () => {
  assert.equal(SAMPLES.length, Object.keys(RG_KIND).length);
  for (const sample of SAMPLES) {
    const buf = encodeRecord(sample);
    const ev = ok(decodeRecord(buf, 0, buf.length));
    const expected = { ...sample, h: { ...sample.h, kind: sample.kind, version: RG_SCHEMA_VERSION, size: buf.length } };
    assert.deepEqual(ev, expected, `kind ${sample.kind}`);
  }
});

test('records are decoded in place at an offset inside a larger buffer', () => {
  const rec = encodeRecord(SAMPLES[0]);
  const buf = Buffer.concat([Buffer.alloc(13, 0xaa), rec, Buffer.alloc(7, 0xbb)]);
  const ev = ok(decodeRecord(buf, 13, rec.length));
  assert.equal(ev.kind, RG_KIND.PROCESS_EXEC);
  if (ev.kind === RG_KIND.PROCESS_EXEC) {
    assert.equal(ev.exe, '/usr/bin/true');
    assert.equal(ev.filename, './true');
  }
});

test('a record shorter than the header is invalid_schema (4 bytes, 55 bytes)', () => {
  expectFailure(decodeRecord(Buffer.alloc(4), 0, 4), 'invalid_schema', /shorter than the 56-byte header/);
  const buf = encodeRecord(SAMPLES[1]);
  expectFailure(decodeRecord(buf, 0, HEADER_SIZE - 1), 'invalid_schema');
});

test('a range beyond the buffer is invalid_schema, not a throw', () => {
  const buf = encodeRecord(SAMPLES[1]);
  expectFailure(decodeRecord(buf, 8, buf.length), 'invalid_schema', /exceeds/);
});

test('a wrong schema version is invalid_schema (1 = the original, 2 = before send/dns, 3 = before process context, 4 = before TCP lifecycle, 5 = before write coalescing, 6 = before file attribute records, 8)', () => {
  for (const version of [1, 2, 3, 4, 5, 6, 8]) {
    const buf = encodeRecord(SAMPLES[1], { version });
    expectFailure(decodeRecord(buf, 0, buf.length), 'invalid_schema', new RegExp(`version ${version}`));
  }
});

test('unknown kinds are unsupported_kind (0, 2, 31, 9999)', () => {
  for (const kind of [0, 2, 31, 9999]) {
    const buf = encodeRecord(SAMPLES[1], { kind });
    expectFailure(decodeRecord(buf, 0, buf.length), 'unsupported_kind', new RegExp(`kind ${kind}`));
  }
});

test('header.size != record length is invalid_schema (exec-syscall with size 63)', () => {
  const buf = encodeRecord(SAMPLES[1], { size: 63 });
  expectFailure(decodeRecord(buf, 0, buf.length), 'invalid_schema', /header.size 63 != record length 64/);
});

test('a record shorter than its kind\'s fixed part is invalid_schema even when size agrees', () => {
  const full = encodeRecord(SAMPLES[1]);
  const short = Buffer.from(full.subarray(0, 60));
  short.writeUInt16LE(60, LAYOUT.rg_header.fields.size);
  expectFailure(decodeRecord(short, 0, short.length), 'invalid_schema', /needs 64/);
});

test('a tail length that disagrees with header.size is invalid_schema', () => {
  const open = encodeRecord(SAMPLES[4]);
  open.writeUInt16LE(11, LAYOUT.rg_file_open.fields.path_len); // real tail is 10 bytes
  expectFailure(decodeRecord(open, 0, open.length), 'invalid_schema', /tail lengths \(11\)/);

  const rename = encodeRecord(SAMPLES[9]);
  rename.writeUInt16LE(0, LAYOUT.rg_file_rename.fields.new_len);
  expectFailure(decodeRecord(rename, 0, rename.length), 'invalid_schema');

  const fork = encodeRecord(SAMPLES[2]);
  const padded = Buffer.concat([fork, Buffer.alloc(8)]);
  padded.writeUInt16LE(padded.length, LAYOUT.rg_header.fields.size);
  expectFailure(decodeRecord(padded, 0, padded.length), 'invalid_schema', /tail lengths \(8\)/);
});

test('invalid UTF-8 becomes U+FFFD; comm stops at the first NUL', () => {
  const sample: RawEvent = { kind: RG_KIND.FILE_UNLINK, h: h(15), flags: 0, dfd: -100, path: '/tmp/XX' };
  const buf = encodeRecord(sample);
  const tail = LAYOUT.rg_file_unlink.size;
  buf[tail + 5] = 0xff;
  buf[tail + 6] = 0xc3; // lead byte without continuation, at the end of the tail
  const comm = LAYOUT.rg_header.fields.comm;
  buf.fill(0, comm, comm + 16);
  buf.write('ab\0junk', comm, 'latin1');
  const ev = ok(decodeRecord(buf, 0, buf.length));
  assert.equal(ev.h.comm, 'ab');
  if (ev.kind !== RG_KIND.FILE_UNLINK) assert.fail('wrong kind');
  assert.equal(ev.path, '/tmp/\uFFFD\uFFFD');
});

test('a 16-byte comm without NUL is decoded whole', () => {
  const sample: RawEvent = { kind: RG_KIND.EXEC_SYSCALL, h: { ...h(6), comm: 'abcdefghijklmnop' }, source: 1, argv_empty: 0 };
  const buf = encodeRecord(sample);
  assert.equal(ok(decodeRecord(buf, 0, buf.length)).h.comm, 'abcdefghijklmnop');
});

test('u64 values above 2^53 - 1 are bigint, below are numbers; s64 keeps its sign', () => {
  const big = 2n ** 63n + 5n;
  const sample: RawEvent = {
    kind: RG_KIND.FILE_PWRITE64,
    h: { ...h(11), timestamp_ns: 2n ** 53n },
    fd: Number.MAX_SAFE_INTEGER,
    count: big,
    iovcnt: -(2n ** 60n),
    pos: -1,
    path: '/x',
  };
  const buf = encodeRecord(sample);
  const ev = ok(decodeRecord(buf, 0, buf.length));
  if (ev.kind !== RG_KIND.FILE_PWRITE64) assert.fail('wrong kind');
  assert.equal(ev.h.timestamp_ns, 2n ** 53n);
  assert.equal(ev.fd, Number.MAX_SAFE_INTEGER);
  assert.equal(ev.count, big);
  assert.equal(ev.iovcnt, -(2n ** 60n));
  assert.equal(ev.pos, -1);
});

test('flags are passed through', () => {
  const sample: RawEvent = { ...SAMPLES[4], h: { ...h(7), flags: RG_FLAG.PATH_TRUNCATED | RG_FLAG.PATH_FROM_FILE } } as RawEvent;
  const buf = encodeRecord(sample);
  assert.equal(ok(decodeRecord(buf, 0, buf.length)).h.flags, 0x11);
  const deleted: RawEvent = { ...SAMPLES[6], h: { ...h(9), flags: RG_FLAG.PATH_FROM_FILE | RG_FLAG.PATH_DELETED } } as RawEvent;
  const dbuf = encodeRecord(deleted);
  assert.equal(ok(decodeRecord(dbuf, 0, dbuf.length)).h.flags, 0x30);
});

test('exec: euid/egid are the u32s at bytes 64 and 68, the tails (exe, filename, cwd, cgroup) start at 184', () => {
  const buf = encodeRecord(rawExec(h(1), { old_pid: 7, euid: 0xfffffffe, egid: 5, exe: '/x', filename: 'y', cwd: '/w', cgroup_path: '/c' }));
  assert.equal(buf.length, 184 + 7);
  assert.equal(buf.readUInt32LE(64), 0xfffffffe);
  assert.equal(buf.readUInt32LE(68), 5);
  assert.equal(buf.toString('latin1', 184), '/xy/w/c');
  buf.writeUInt32LE(0, 64); // a setuid-root program: euid 0 while the header's real uid stays 1000
  const ev = ok(decodeRecord(buf, 0, buf.length));
  if (ev.kind !== RG_KIND.PROCESS_EXEC) assert.fail('wrong kind');
  assert.deepEqual([ev.h.uid, ev.euid, ev.h.gid, ev.egid, ev.exe, ev.filename, ev.cwd, ev.cgroup_path], [1000, 0, 1001, 5, '/x', 'y', '/w', '/c']);
});

test('exec: invalid UTF-8 in a tail keeps its exact bytes in invalid_utf8 and round-trips through the encoder', () => {
  const cwd = new Uint8Array([0x2f, 0x74, 0xff, 0x2f, 0xc3]);
  const sample = rawExec(h(1), { exe: '/bin/x', cwd: '/t\uFFFD/\uFFFD', invalid_utf8: { cwd } });
  const buf = encodeRecord(sample);
  const ev = ok(decodeRecord(buf, 0, buf.length));
  if (ev.kind !== RG_KIND.PROCESS_EXEC) assert.fail('wrong kind');
  assert.equal(ev.cwd, '/t\uFFFD/\uFFFD');
  assert.deepEqual(ev.invalid_utf8, { cwd });
});

test('decoded events do not alias the input buffer', () => {
  const buf = encodeRecord(SAMPLES[14]);
  const ev = ok(decodeRecord(buf, 0, buf.length));
  buf.fill(0);
  if (ev.kind !== RG_KIND.NETWORK_CONNECT) assert.fail('wrong kind');
  assert.deepEqual([...ev.remote_addr.subarray(0, 4)], [127, 0, 0, 1]);
  assert.equal(ev.h.comm, 'bash');
});

test('decodeBatch yields every record of a batch in order', () => {
  const batch = encodeBatch(SAMPLES.map((s) => encodeRecord(s)));
  const kinds: number[] = [];
  decodeBatch(batch, (r) => kinds.push(ok(r).kind));
  assert.deepEqual(kinds, SAMPLES.map((s) => s.kind));
});

test('decodeBatch reports a bad record and continues with the next one', () => {
  const batch = encodeBatch([Buffer.alloc(4), encodeRecord(SAMPLES[0])]);
  const results: DecodeResult[] = [];
  decodeBatch(batch, (r) => results.push(r));
  assert.equal(results.length, 2);
  expectFailure(results[0], 'invalid_schema');
  assert.equal(ok(results[1]).kind, RG_KIND.PROCESS_EXEC);
});

test('decodeBatch: a truncated trailing record gives one invalid_schema and no throw', () => {
  const full = encodeBatch([encodeRecord(SAMPLES[1]), encodeRecord(SAMPLES[2])]);
  for (const cut of [full.length - 1, full.length - 50, 4 + 64 + 2]) {
    const results: DecodeResult[] = [];
    assert.doesNotThrow(() => decodeBatch(full.subarray(0, cut), (r) => results.push(r)));
    assert.equal(results.length, 2, `cut at ${cut}`);
    assert.equal(ok(results[0]).kind, RG_KIND.EXEC_SYSCALL);
    expectFailure(results[1], 'invalid_schema', /batch: truncated|claims/);
  }
});

test('decodeBatch on an empty batch calls nothing', () => {
  let calls = 0;
  decodeBatch(Buffer.alloc(0), () => calls++);
  assert.equal(calls, 0);
});

test('network: an AF_UNIX path tail round-trips byte-exact (abstract NUL, non-UTF-8), its length is checked', () => {
  const raw = '\0rg-\xff\0x';
  const sample = net(RG_KIND.NETWORK_CONNECT, { family: 1, addr_len: 2 + raw.length, path: raw, net_flags: RG_NET_FLAG.PATH_REMOTE });
  const buf = encodeRecord(sample);
  assert.equal(buf.length, LAYOUT.rg_network.size + raw.length);
  const ev = ok(decodeRecord(buf, 0, buf.length));
  if (ev.kind !== RG_KIND.NETWORK_CONNECT) assert.fail('wrong kind');
  assert.equal(ev.path, raw);
  // path_len beyond sun_path (108) is malformed even when header.size agrees
  const long = encodeRecord(net(RG_KIND.NETWORK_BIND, { family: 1, path: 'p'.repeat(109) }));
  const bad = decodeRecord(long, 0, long.length);
  assert.equal(bad.ok, false);
  // a tail not covered by header.size
  const short = Buffer.from(buf);
  short.writeUInt16LE(LAYOUT.rg_network.size, LAYOUT.rg_header.fields.size);
  assert.equal(decodeRecord(short, 0, LAYOUT.rg_network.size).ok, false);
});

test('network: result, errno, listen_fd and socket facts decode at their offsets', () => {
  const buf = encodeRecord(SAMPLES[14]);
  assert.equal(buf.readUInt16LE(LAYOUT.rg_network.fields.protocol), 6);
  const ev = ok(decodeRecord(buf, 0, buf.length));
  if (ev.kind !== RG_KIND.NETWORK_CONNECT) assert.fail('wrong kind');
  assert.deepEqual([ev.result, ev.err, ev.sock_type, ev.protocol, ev.remote_port, ev.local_port], [3, 111, 1, 6, 4444, 40000]);
  const acc = ok(decodeRecord(encodeRecord(SAMPLES[17]), 0, LAYOUT.rg_network.size));
  if (acc.kind !== RG_KIND.NETWORK_ACCEPT) assert.fail('wrong kind');
  assert.deepEqual([acc.listen_fd, acc.socket_fd, acc.direction, acc.remote_port], [4, 5, 3, 51000]);
});

test('network: send bytes (u64 at 128) and the DNS payload tail (payload_len at 126, after the path) decode', () => {
  const dns = SAMPLES.find((e) => e.kind === RG_KIND.NETWORK_DNS) as RawNetwork;
  const buf = encodeRecord(dns);
  // 144 since sock_id (u64 at 136, issue 15)
  assert.equal(LAYOUT.rg_network.size, 144);
  assert.equal(buf.length, 144 + 19);
  assert.equal(buf.readUInt16LE(126), 19);
  assert.equal(buf.readBigUInt64LE(128), 29n);
  const ev = ok(decodeRecord(buf, 0, buf.length));
  if (ev.kind !== RG_KIND.NETWORK_DNS) assert.fail('wrong kind');
  assert.deepEqual(Array.from(ev.payload ?? []), Array.from(dns.payload ?? []));
  // the payload is a copy: overwriting the batch buffer does not change the event
  buf.fill(0xee, 144);
  assert.equal(ev.payload?.[0], 0x12);
  // payload_len beyond RG_DNS_PAYLOAD_MAX (512) is malformed even when header.size agrees
  const big = encodeRecord({ ...dns, payload: new Uint8Array(513) });
  const bad = decodeRecord(big, 0, big.length);
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.detail, /payload_len 513 > 512/);
  // a payload tail not covered by header.size
  const short = Buffer.from(encodeRecord(dns));
  short.writeUInt16LE(140, LAYOUT.rg_header.fields.size);
  assert.equal(decodeRecord(short, 0, 140).ok, false);
});
