/** The six overhead workloads: which generator, which path, whether the agent needs network on. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @typedef {object} Workload
 * @property {string} id        stable key in the JSON report
 * @property {string} title     for the Markdown report
 * @property {string} bin       generator binary
 * @property {string[]} args    generator arguments after -d (the path, if any)
 * @property {boolean} network  the agent runs with [events] network and [network] enabled on
 * @property {boolean} [captureCompare] the agent runs twice per round: `agent` with [process]
 *   collect_args and collect_cwd on, `agent_capture_off` with both off (issue 8's exec capture cost)
 * @property {boolean} [lifecycleCompare] the agent runs twice per round: `agent` with [network] lifecycle on
 *   (the default config), `agent_lifecycle_off` with it off (issue 15's TCP lifecycle cost)
 * @property {boolean} [coalesceCompare] the agent runs twice per round: `agent` with the default config (write
 *   coalescing on) and `agent_coalesce_off` with [file] write_coalesce_ms = 0 (issue 11's coalesced writes)
 */

/**
 * Files the workloads touch: watched ones in a fresh /etc/rand-guard-bench-XXXXXX dir (under the
 * default config's /etc watch path), unwatched ones in a fresh /var/lib/rg-bench-XXXXXX dir; fresh dirs so that two runs
 * never delete each other's files. remove() deletes both dirs.
 * @param {string[]} watchPaths the agent config's watch paths
 * @throws Error when the temp dir is itself under a watch path (the unwatched workloads would be watched)
 */
export function createWorkloadFiles(watchPaths) {
  // Not os.tmpdir(): the default config watches /tmp (payload drops). /var/lib is on the root file
  // system like /etc, so watched and unwatched files differ only in the watch.
  const tmp = mkdtempSync(join(process.env.BENCH_UNWATCHED_DIR ?? '/var/lib', 'rg-bench-'));
  if (watchPaths.some((p) => tmp === p || tmp.startsWith(p.endsWith('/') ? p : `${p}/`))) {
    throw new Error(`temp dir ${tmp} is under a watch path: set BENCH_UNWATCHED_DIR elsewhere`);
  }
  const etc = mkdtempSync('/etc/rand-guard-bench-');
  const files = {
    dir: tmp,
    openWatched: join(etc, 'open.dat'),
    openUnwatched: join(tmp, 'open.dat'),
    writeWatched: join(etc, 'write.dat'),
    writeUnwatched: join(tmp, 'write.dat'),
    rampWatched: join(etc, 'ramp.dat'),
    remove() {
      rmSync(etc, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    },
  };
  writeFileSync(files.openWatched, 'rand-guard bench\n');
  writeFileSync(files.openUnwatched, 'rand-guard bench\n');
  return files;
}

/** @returns {Workload[]} in report order */
export function workloads(bins, files) {
  return [
    { id: 'open_unwatched', title: 'open()+close(), unwatched path', bin: bins.open_close, args: [files.openUnwatched], network: false },
    { id: 'open_watched', title: 'open()+close(), watched path', bin: bins.open_close, args: [files.openWatched], network: false },
    { id: 'write_watched', title: 'write() 1 B, watched file', bin: bins.write_loop, args: [files.writeWatched], network: false, coalesceCompare: true },
    { id: 'write_unwatched', title: 'write() 1 B, unwatched file', bin: bins.write_loop, args: [files.writeUnwatched], network: false },
    { id: 'exec', title: 'fork+exec /bin/true', bin: bins.fork_exec, args: [], network: false, captureCompare: true },
    { id: 'connect', title: 'connect() 127.0.0.1 (network on)', bin: bins.connect_loop, args: [], network: true, lifecycleCompare: true },
  ];
}
