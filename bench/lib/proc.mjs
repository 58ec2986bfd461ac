/** /proc readers for the processes under test: CPU time, RSS, whether a tracer is in its event loop. */
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

/**
 * CPU time a process used so far, all threads: utime + stime of /proc/<pid>/stat (fields 14, 15).
 * @returns {number|null} milliseconds, null when the process is gone
 */
export function cpuMs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may contain spaces and parens: fields are counted after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}

/** @returns {number|null} resident set size in KiB (VmRSS of /proc/<pid>/status), null when gone */
export function rssKb(pid) {
  try {
    const m = /^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

// x86_64 syscall numbers a tracer blocks in once it is consuming events: epoll_wait, epoll_pwait, poll, ppoll, epoll_pwait2.
const WAITING_SYSCALLS = new Set(['232', '281', '7', '271', '441']);

/**
 * True when the main thread of pid is blocked in a poll/epoll syscall: a libbpf-tools tool reaches
 * that only after loading and attaching its programs (its header goes to a buffered file, so the
 * output cannot tell us).
 */
export function inEventLoop(pid) {
  try {
    return WAITING_SYSCALLS.has(readFileSync(`/proc/${pid}/syscall`, 'utf8').split(' ')[0]);
  } catch {
    return false;
  }
}

/** @param {number} ms */
export function sleep(ms) {
  return new Promise((res) => setTimeout(res, ms));
}
