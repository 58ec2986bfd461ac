/**
 * Which BPF programs (ELF names in build/bpf/rand-guard.bpf.o, equal to the
 * tracepoint names, except the `_dns` variants of the send programs, which
 * attach to the same tracepoint as their base name) the config asks for. Only these are loaded and attached:
 * a family that is off costs nothing in the kernel.
 */

/** The config sections this needs (shape of the TOML). */
export interface HookConfig {
  events: { process: boolean; file: boolean; network: boolean };
  process: { enabled: boolean; hooks: string[] };
  /** write_coalesce_ms: optional so that hand-built configs without it read as 0 (off) */
  file: { enabled: boolean; hooks: string[]; write_coalesce_ms?: number };
  /** collect_dns, lifecycle: optional so that hand-built configs without them read as false */
  network: { enabled: boolean; hooks: string[]; collect_dns?: boolean; lifecycle?: boolean };
}

/** Network hooks with only a sys_enter program (sends: recorded as asked, no outcome). */
export const SEND_HOOKS: ReadonlySet<string> = new Set(['sendto', 'sendmsg', 'sendmmsg']);

/** Network hooks whose exit program has an `_lc` variant that enters the socket in the lifecycle table. */
export const LIFECYCLE_HOOKS: ReadonlySet<string> = new Set(['connect', 'listen', 'accept', 'accept4']);

/** tp_btf program that follows the TCP state changes of the tracked sockets (bpf/network.bpf.c). */
export const LIFECYCLE_PROGRAM = 'inet_sock_set_state';

/** File hooks with a user path argument: they have a sys_exit_<hook> fallback program. */
export const DEFERRED_FILE_HOOKS: ReadonlySet<string> = new Set([
  'openat',
  'openat2',
  'rename',
  'renameat',
  'renameat2',
  'unlink',
  'unlinkat',
]);

/**
 * File attribute hooks (bpf/file-attr.bpf.c): each is the tracepoint sys_enter_<hook>, all served by the one
 * program FILE_ATTR_PROGRAM, loaded once and attached to each (a program per hook would cost a verification
 * each at start). No exit program: these calls are not deferred.
 */
export const FILE_ATTR_HOOKS: ReadonlySet<string> = new Set([
  'chmod',
  'fchmod',
  'fchmodat',
  'fchmodat2',
  'truncate',
  'ftruncate',
  'symlink',
  'symlinkat',
  'link',
  'linkat',
  'setxattr',
  'lsetxattr',
  'fsetxattr',
  'setxattrat',
]);

/** The program attached to the sys_enter tracepoint of every FILE_ATTR_HOOKS hook (dispatches on the syscall number). */
export const FILE_ATTR_PROGRAM = 'rg_file_attr';

/**
 * The BPF program behind an entry of selectPrograms(): FILE_ATTR_PROGRAM for the tracepoint of a file attribute
 * hook (`sys_enter_chmod`, ...), else the entry itself (programs are named after their tracepoint).
 */
export function programOf(entry: string): string {
  return entry.startsWith('sys_enter_') && FILE_ATTR_HOOKS.has(entry.slice('sys_enter_'.length)) ? FILE_ATTR_PROGRAM : entry;
}

/** Programs to load for selectPrograms() entries (shared programs once), in first-use order. */
export function programsToLoad(entries: readonly string[]): string[] {
  return [...new Set(entries.map(programOf))];
}

/** File hooks whose programs judge the fd's file through the write verdict cache. */
const WRITE_HOOKS: ReadonlySet<string> = new Set(['write', 'writev', 'pwrite64']);
/**
 * Every rename syscall and every mount change that moves or detaches mounted files: their exit
 * programs count completed renames and mount changes (bpf/file.bpf.c, rg_rename_gen).
 */
const PATH_CHANGE_EXITS = [
  'sys_exit_rename',
  'sys_exit_renameat',
  'sys_exit_renameat2',
  'sys_exit_mount',
  'sys_exit_move_mount',
  'sys_exit_pivot_root',
  'sys_exit_umount',
] as const;

/**
 * Attachments in attach order, without duplicates: each entry is the name of the program that attaches to
 * the tracepoint of the same name, except the file attribute hooks' entries (see programOf).
 * - process `execve`: sched_process_exec (the completed exec) + sys_enter_execve (its source);
 *   `execveat`: sys_enter_execveat + sched_process_exec (the original attached only the
 *   syscall and so produced no process_start when execveat was the only hook);
 *   `fork`: sched_process_fork; `exit`: sched_process_exit.
 * - file hooks, when events.file and file.enabled: sys_enter_<hook>; for the open, rename and
 *   unlink hooks (openat, openat2, rename, renameat, renameat2, unlink, unlinkat) also
 *   sys_exit_<hook>, listed just before it: when the path string is in a page not faulted in
 *   at entry, the entry program stashes the arguments and the exit program sends the record
 *   (bpf/file.bpf.c). Attaching the exit first means no call is stashed without its exit
 *   being attached. write/writev/pwrite64 read no user string and have no exit program; with any
 *   of them on, sys_exit_rename, sys_exit_renameat, sys_exit_renameat2, sys_exit_mount,
 *   sys_exit_move_mount, sys_exit_pivot_root and sys_exit_umount are attached too (even with the
 *   rename hooks off: a stale write verdict after a rename or a mount move would hide writes). With write
 *   coalescing on (see writeCoalescing), sys_enter_close too, before the first write program.
 * - file attribute hooks (FILE_ATTR_HOOKS: chmod, ..., fsetxattr): sys_enter_<hook>, an entry that names the
 *   tracepoint; the program behind it is FILE_ATTR_PROGRAM for all of them (programOf).
 * - network hooks (connect, bind, listen, accept, accept4), only when both events.network and
 *   network.enabled: sys_exit_<hook> then sys_enter_<hook>. The entry program stashes the parsed
 *   arguments per thread and the exit program adds the outcome and the socket's state and sends the
 *   record (bpf/network.bpf.c); exit first, for the same reason as the file hooks.
 * - network.lifecycle (with at least one of connect, listen, accept, accept4): first tp_btf
 *   inet_sock_set_state (TCP state changes of tracked sockets), then for those hooks the exit program's
 *   `_lc` variant (sys_exit_connect_lc, ...), which also enters the reported TCP socket in the kernel's
 *   socket table (bpf/lib/sock-track.h). The state program goes first so that no socket enters the table
 *   without it watching (an entry whose TCP_CLOSE was missed would stay). With lifecycle off, the plain
 *   exit programs: nothing is tracked and the state tracepoint is not attached.
 * - send hooks (sendto, sendmsg, sendmmsg): sys_enter_<hook> only, or sys_enter_<hook>_dns (same
 *   tracepoint, also copies DNS payloads to UDP port 53) when network.collect_dns is set: the DNS choice
 *   is made by which program is loaded, not by a config map value.
 */
export function selectPrograms(config: HookConfig): string[] {
  const out = new Set<string>();
  if (config.events.process && config.process.enabled) {
    for (const hook of config.process.hooks) {
      switch (hook) {
        case 'execve':
          out.add('sched_process_exec');
          out.add('sys_enter_execve');
          break;
        case 'execveat':
          out.add('sched_process_exec');
          out.add('sys_enter_execveat');
          break;
        case 'fork':
          out.add('sched_process_fork');
          break;
        case 'exit':
          out.add('sched_process_exit');
          break;
      }
    }
  }
  if (config.events.file && config.file.enabled) {
    const coalesce = writeCoalescing(config);
    for (const hook of config.file.hooks) {
      // Renames and mount moves invalidate the write programs' verdict cache (bpf/file.bpf.c, rg_rename_gen).
      if (WRITE_HOOKS.has(hook)) for (const p of PATH_CHANGE_EXITS) out.add(p);
      // close(2) flushes the coalescing entry of the closed file (bpf/lib/write-coalesce.h)
      if (coalesce && WRITE_HOOKS.has(hook)) out.add('sys_enter_close');
      if (DEFERRED_FILE_HOOKS.has(hook)) out.add(`sys_exit_${hook}`);
      out.add(`sys_enter_${hook}`);
    }
  }
  if (config.events.network && config.network.enabled) {
    const lifecycle = config.network.lifecycle === true && config.network.hooks.some((h) => LIFECYCLE_HOOKS.has(h));
    if (lifecycle) out.add(LIFECYCLE_PROGRAM);
    for (const hook of config.network.hooks) {
      if (SEND_HOOKS.has(hook)) {
        out.add(config.network.collect_dns ? `sys_enter_${hook}_dns` : `sys_enter_${hook}`);
        continue;
      }
      out.add(lifecycle && LIFECYCLE_HOOKS.has(hook) ? `sys_exit_${hook}_lc` : `sys_exit_${hook}`);
      out.add(`sys_enter_${hook}`);
    }
  }
  return [...out];
}

/**
 * True when writes are coalesced in the kernel: a write hook is on and file.write_coalesce_ms > 0.
 * Then sys_enter_close is attached (before the write programs) and the SEC("syscall") program
 * rg_write_flush is loaded (see loadOnlyPrograms).
 */
export function writeCoalescing(config: HookConfig): boolean {
  return (
    config.events.file &&
    config.file.enabled &&
    (config.file.write_coalesce_ms ?? 0) > 0 &&
    config.file.hooks.some((h) => WRITE_HOOKS.has(h))
  );
}

/** Programs to load but not attach (run from userspace with Sensor.runProgram): rg_write_flush with coalescing on. */
export function loadOnlyPrograms(config: HookConfig): string[] {
  return writeCoalescing(config) ? ['rg_write_flush'] : [];
}
