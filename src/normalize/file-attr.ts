/**
 * File attribute records (struct rg_file_attr, bpf/file-attr.bpf.c) -> file_chmod, file_truncate, file_symlink,
 * file_link, file_setxattr. The record is sent at the syscall's entry: what was asked, not its outcome.
 */
import { RG_ATTR_SYSCALL, RG_FLAG, RG_KIND } from '../abi/layout.js';
import type { RawFileAttr, U64 } from '../abi/raw-event.js';
import { base64Of, withSortedKeys, type NormalizeEnv } from './context.js';
import { common, normalizedPathBase64, normalizeFilePath } from './file.js';
import type { FileAttrRecord, FileAttrSyscall } from './records.js';

/** S_ISUID / S_ISGID / S_ISVTX (include/uapi/linux/stat.h). */
export const S_ISUID = 0o4000;
export const S_ISGID = 0o2000;
export const S_ISVTX = 0o1000;

const SYSCALL_NAMES: Readonly<Record<number, FileAttrSyscall>> = {
  [RG_ATTR_SYSCALL.CHMOD]: 'chmod',
  [RG_ATTR_SYSCALL.FCHMOD]: 'fchmod',
  [RG_ATTR_SYSCALL.FCHMODAT]: 'fchmodat',
  [RG_ATTR_SYSCALL.FCHMODAT2]: 'fchmodat2',
  [RG_ATTR_SYSCALL.TRUNCATE]: 'truncate',
  [RG_ATTR_SYSCALL.FTRUNCATE]: 'ftruncate',
  [RG_ATTR_SYSCALL.SYMLINK]: 'symlink',
  [RG_ATTR_SYSCALL.SYMLINKAT]: 'symlinkat',
  [RG_ATTR_SYSCALL.LINK]: 'link',
  [RG_ATTR_SYSCALL.LINKAT]: 'linkat',
  [RG_ATTR_SYSCALL.SETXATTR]: 'setxattr',
  [RG_ATTR_SYSCALL.LSETXATTR]: 'lsetxattr',
  [RG_ATTR_SYSCALL.FSETXATTR]: 'fsetxattr',
  [RG_ATTR_SYSCALL.SETXATTRAT]: 'setxattrat',
};

/** The syscalls whose first argument is an fd (the path is the kernel's walk of its file). */
const FD_SYSCALLS: ReadonlySet<number> = new Set([RG_ATTR_SYSCALL.FCHMOD, RG_ATTR_SYSCALL.FTRUNCATE, RG_ATTR_SYSCALL.FSETXATTR]);

/** Octal digits of mode & 0o7777, at least 4 ("4755", "0644"). */
export function modeOctal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** A u64 read as the kernel's signed loff_t / size: a number when exact, else a bigint. */
function signed64(v: U64): number | bigint {
  if (typeof v === 'number') return v;
  const s = BigInt.asIntN(64, v);
  return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
}

/**
 * rg_file_attr -> the record of its kind. filename_truncated / path_resolved cover both strings where the second
 * is a path (file_link); a cut symlink target is target_truncated.
 */
export function normalizeAttr(ev: RawFileAttr, env: NormalizeEnv): FileAttrRecord {
  const h = ev.h;
  const isLink = ev.kind === RG_KIND.FILE_LINK;
  const truncatedBits = RG_FLAG.PATH_TRUNCATED | (isLink ? RG_FLAG.PATH2_TRUNCATED : 0);
  const unresolvedBits = RG_FLAG.PATH_UNRESOLVED | (isLink ? RG_FLAG.PATH2_UNRESOLVED : 0);
  const fromFd = FD_SYSCALLS.has(ev.syscall);
  const c = common(h, env, (h.flags & truncatedBits) !== 0, (h.flags & unresolvedBits) === 0 && !(fromFd && ev.path === ''));
  const base = {
    ...c,
    fd: fromFd ? ev.dfd : null,
    filename: normalizeFilePath(ev.path),
    syscall: SYSCALL_NAMES[ev.syscall] ?? 'unknown',
  };
  const invalid = ev.invalid_utf8;
  const extra: Record<string, unknown> = {};
  if (invalid?.path !== undefined) extra.filename_base64 = normalizedPathBase64(invalid.path);
  let record: FileAttrRecord;
  switch (ev.kind) {
    case RG_KIND.FILE_CHMOD:
      record = {
        ...base,
        event_type: 'file_chmod',
        flags: ev.flags,
        mode: ev.mode,
        mode_octal: modeOctal(ev.mode),
        setgid: (ev.mode & S_ISGID) !== 0,
        setuid: (ev.mode & S_ISUID) !== 0,
        sticky: (ev.mode & S_ISVTX) !== 0,
      };
      break;
    case RG_KIND.FILE_TRUNCATE:
      record = { ...base, event_type: 'file_truncate', length: signed64(ev.length) };
      break;
    case RG_KIND.FILE_SYMLINK:
      if (invalid?.arg !== undefined) extra.target_base64 = base64Of(invalid.arg);
      record = {
        ...base,
        event_type: 'file_symlink',
        target: ev.arg,
        target_truncated: (h.flags & RG_FLAG.PATH2_TRUNCATED) !== 0,
      };
      break;
    case RG_KIND.FILE_LINK:
      if (invalid?.arg !== undefined) extra.old_filename_base64 = normalizedPathBase64(invalid.arg);
      record = { ...base, event_type: 'file_link', flags: ev.flags, old_filename: normalizeFilePath(ev.arg) };
      break;
    case RG_KIND.FILE_SETXATTR:
      record = { ...base, event_type: 'file_setxattr', flags: ev.flags, name: ev.arg, value_size: signed64(ev.length) };
      break;
  }
  return withSortedKeys(Object.assign(record, extra));
}
