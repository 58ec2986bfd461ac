// Records real kernel records (the raw ring-buffer bytes the BPF programs submit, exactly as the native
// bridge hands them over) for the fuzz properties: loads every program of build/bpf/rand-guard.bpf.o
// with exec context capture and DNS on, runs a small workload (exec with argv and environment, file
// open/openat2/write/writev/pwrite/rename/renameat/unlink, chmod/fchmod/truncate/ftruncate/symlink/link/setxattr, TCP connect/bind/listen/accept/close, a refused connect, UDP
// sends and a DNS query to 127.0.0.1:53), and keeps up to PER_KIND records of each kind, of differing
// sizes, in test/fixtures/raw/kernel-records.ndjson ({"kind": name, "bytes": base64} per line).
// Root only; needs `npm run build`. Usage: sudo node scripts/record-raw-records.mjs
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadNative } from '../dist/src/sensor/native.js';
import { FILE_ATTR_PROGRAM, programOf, programsToLoad, selectPrograms } from '../dist/src/sensor/programs.js';
import { tracepointOf } from '../dist/src/sensor/tracepoints.js';
import { ensureTracefs } from '../dist/src/sensor/tracefs.js';
import { envAllowEntries, execCaptureConfig, writeExecCaptureConfig } from '../dist/src/sensor/exec-capture.js';
import { LAYOUT, RG_FILTER_MODE, RG_KIND } from '../dist/src/abi/layout.js';
import { SUPPORTED_FILE_HOOKS, SUPPORTED_NETWORK_HOOKS, SUPPORTED_PROCESS_HOOKS } from '../dist/src/config/validate.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'test', 'fixtures', 'raw', 'kernel-records.ndjson');
const PER_KIND = 4;
/** Larger records (long argv pieces) are left out to keep the fixture small. */
const MAX_RECORD_BYTES = 4096;
const KIND_NAMES = new Map(Object.entries(RG_KIND).map(([name, value]) => [value, name.toLowerCase()]));

const config = {
  events: { process: true, file: true, network: true },
  process: { enabled: true, hooks: [...SUPPORTED_PROCESS_HOOKS], collect_args: true, collect_env: true, collect_cwd: true, max_args_bytes: 4096, env_allow: ['LD_PRELOAD', 'RG_FIXTURE'] },
  file: { enabled: true, hooks: [...SUPPORTED_FILE_HOOKS], write_coalesce_ms: 1000 },
  network: { enabled: true, hooks: [...SUPPORTED_NETWORK_HOOKS], collect_dns: true, lifecycle: true },
};

ensureTracefs();
const programs = selectPrograms(config);
const sensor = new (loadNative().Sensor)(join(ROOT, 'build', 'bpf', 'rand-guard.bpf.o'), { ringBufferBytes: 8 << 20, programs: programsToLoad(programs) });
const { size, fields } = LAYOUT.rg_config;
const value = Buffer.alloc(size);
value.writeUInt32LE(process.pid, fields.self_tgid);
value.writeUInt32LE(RG_FILTER_MODE.OFF, fields.file_filter_mode);
value.writeBigUInt64LE(1n << 20n, fields.wakeup_bytes);
// coalescing on, so close(2) flushes a file_write_summary (each fd's first write is still its own record)
value.writeBigUInt64LE(BigInt(config.file.write_coalesce_ms) * 1_000_000n, fields.write_coalesce_ns);
sensor.updateElem('config', Buffer.alloc(4), writeExecCaptureConfig(value, execCaptureConfig(config.process)));
for (const { key, value: v } of envAllowEntries(config.process)) sensor.updateElem('rg_env_allow', key, v);
for (const p of programs) {
  if (programOf(p) === FILE_ATTR_PROGRAM) sensor.attach(FILE_ATTR_PROGRAM, tracepointOf(p));
  else sensor.attach(p);
}

/** kind -> records kept (distinct lengths first). */
const kept = new Map();
sensor.start((batch) => {
  let off = 0;
  while (off + 4 <= batch.length) {
    const len = batch.readUInt32LE(off);
    const rec = Buffer.from(batch.subarray(off + 4, off + 4 + len));
    off += 4 + len;
    if (len < 4 || len > MAX_RECORD_BYTES) continue;
    const kind = rec.readUInt16LE(LAYOUT.rg_header.fields.kind);
    const list = kept.get(kind) ?? [];
    if (list.length < PER_KIND && !list.some((r) => r.length === rec.length)) list.push(rec);
    kept.set(kind, list);
  }
});

const work = mkdtempSync(join(tmpdir(), 'rg-record-'));
const workload = `
import os, socket, threading
d = ${JSON.stringify(work)}
p = os.path.join(d, 'a.txt')
fd = os.open(p, os.O_CREAT | os.O_WRONLY, 0o644)
os.write(fd, b'hello')
os.write(fd, b'again')
os.close(fd)
fd = os.open(p, os.O_WRONLY)
os.writev(fd, [b'a', b'b'])
os.close(fd)
fd = os.open(p, os.O_WRONLY)
os.pwrite(fd, b'c', 3)
os.close(fd)
os.rename(p, os.path.join(d, 'b.txt'))
dfd = os.open(d, os.O_RDONLY)
os.rename('b.txt', 'c.txt', src_dir_fd=dfd, dst_dir_fd=dfd)
os.close(dfd)
import ctypes
how = (ctypes.c_uint64 * 3)(os.O_RDONLY, 0, 0)
libc = ctypes.CDLL(None, use_errno=True)
r = libc.syscall(437, -100, os.path.join(d, 'c.txt').encode(), ctypes.byref(how), 24)
if r >= 0: os.close(r)
os.unlink(os.path.join(d, 'c.txt'))
t = os.path.join(d, 'attr.txt')
fd = os.open(t, os.O_CREAT | os.O_WRONLY, 0o644)
os.fchmod(fd, 0o4755)
os.ftruncate(fd, 0)
try:
    os.setxattr(fd, 'user.rg', b'1')
except OSError:
    pass
os.close(fd)
os.chmod(t, 0o2750)
os.truncate(t, 7)
os.symlink('/dev/null', os.path.join(d, 'hist'))
os.link(t, os.path.join(d, 'hard'))
try:
    os.setxattr(t, 'user.rg.name', b'value')
except OSError:
    pass
for n in ('hist', 'hard', 'attr.txt'):
    os.unlink(os.path.join(d, n))
srv = socket.socket(); srv.bind(('127.0.0.1', 0)); srv.listen(4)
port = srv.getsockname()[1]
def serve():
    c, _ = srv.accept(); c.recv(10); c.close()
t = threading.Thread(target=serve); t.start()
cl = socket.create_connection(('127.0.0.1', port)); cl.send(b'x'); cl.close(); t.join(); srv.close()
s6 = socket.socket(socket.AF_INET6); s6.bind(('::1', 0)); s6.close()
try:
    socket.create_connection(('127.0.0.1', 1), timeout=1)
except OSError:
    pass
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
q = b'\\x12\\x34\\x01\\x00\\x00\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x07example\\x03com\\x00\\x00\\x01\\x00\\x01'
u.sendto(q, ('127.0.0.1', 53))
u.sendmsg([q], [], 0, ('127.0.0.1', 53))
u.sendto(b'not dns', ('127.0.0.1', 9))
u.close()
`;
for (let i = 0; i < 3; i++) {
  spawnSync('/usr/bin/python3', ['-c', workload], { env: { ...process.env, LD_PRELOAD: '', RG_FIXTURE: `round-${i}` }, stdio: 'inherit' });
  spawnSync('/bin/sh', ['-c', `cd ${work} && /usr/bin/env true "arg with spaces" ${'x'.repeat(50 * (i + 1))} && ls -la ${work} >/dev/null && touch ${work}/m && mv ${work}/m ${work}/n && rm ${work}/n`], { stdio: 'inherit' });
}
await new Promise((r) => setTimeout(r, 500));
await sensor.stop();
sensor.close();
rmSync(work, { recursive: true, force: true });

mkdirSync(dirname(OUT), { recursive: true });
const lines = [];
for (const [kind, list] of [...kept].sort((a, b) => a[0] - b[0])) {
  for (const rec of list) lines.push(JSON.stringify({ kind: KIND_NAMES.get(kind) ?? `kind_${kind}`, bytes: rec.toString('base64') }));
}
writeFileSync(OUT, `${lines.join('\n')}\n`);
console.log(`${lines.length} records of ${kept.size} kinds -> ${OUT}`);
for (const [kind, list] of kept) console.log(`  ${KIND_NAMES.get(kind) ?? kind}: ${list.length} (${list.map((r) => r.length).join(', ')} bytes)`);
