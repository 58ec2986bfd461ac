/**
 * Typed loader for the Node-API addon `rand_guard_native` (native/src/*.c),
 * the bridge between the BPF object and the agent: it opens, configures,
 * loads and attaches the object and consumes the `events` ring buffer on its
 * own thread, handing JavaScript batches of raw records.
 *
 * Batch format (one Buffer per onBatch call, many records each): records back
 * to back, each a u32 little-endian byte length followed by that many bytes
 * of the record exactly as the BPF program submitted it (struct rg_header +
 * fixed part + tail, see bpf/events.h), with no padding between records.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Options of `new Sensor()`. */
export interface SensorOptions {
  /**
   * Size of the `events` ring buffer in bytes (bpf_map__set_max_entries before
   * load). A power of two >= 4096, else RangeError.
   */
  ringBufferBytes: number;
  /**
   * Names (C function names, not section names) of the programs to load;
   * every other program in the object gets autoload=false. An unknown name
   * throws Error "program '<name>' not found in <path>".
   */
  programs: string[];
}

/** Options of `Sensor.start()`. */
export interface StartOptions {
  /**
   * ring_buffer__poll timeout in ms, integer in [1, 60000], default 25. The
   * kernel side submits with BPF_RB_NO_WAKEUP, so this is how often the
   * worker looks at the ring below the wake-up threshold (the floor of the
   * event-to-disk latency), and the upper bound of stop()'s delay.
   */
  pollTimeoutMs?: number;
  /**
   * Batch capacity in bytes (prefixes included), integer in [64, 2^30],
   * default 262144. A record larger than this gets a batch of its own.
   */
  batchBytes?: number;
}

/** Cumulative counters of the ring-buffer worker (all zero before start()). */
export interface SensorStats {
  /** Batches handed to onBatch (queued; delivered ones once stop() resolved). */
  batches: number;
  /** Records consumed from the ring buffer. */
  records: number;
  /** Record bytes consumed, excluding the 4-byte length prefixes. */
  bytes: number;
  /**
   * Failed ring_buffer__poll/consume rounds (EINTR excluded) plus batches that
   * could not be allocated (their record is lost). Kernel-side drops (ring
   * full) are not here: the BPF programs count them in their own maps.
   */
  pollErrors: number;
}

/** Run statistics of one loaded program (struct bpf_prog_info). */
export interface ProgramStats {
  /** C function name of the program (as in SensorOptions.programs). */
  name: string;
  /** run_cnt: runs counted while run-time statistics were on. */
  runs: number;
  /** run_time_ns: nanoseconds spent in those runs. */
  runTimeNs: number;
  /** verified_insns: instructions the verifier processed to load it (the main cost of the agent's start). */
  verifiedInsns: number;
}

/**
 * Errors from libbpf operations (open, load, attach, map update/lookup)
 * carry the errno and the captured tail (~4 KiB) of libbpf's log output,
 * which for a verifier rejection ends with the verifier's reason. The log is
 * also appended to `message` after "\nlibbpf log (tail):\n".
 */
export interface NativeError extends Error {
  /** Positive errno of the failed operation. */
  errno?: number;
  /** libbpf's log output since the operation started, possibly empty. */
  libbpfLog?: string;
}

/**
 * One loaded BPF object. Lifecycle: construct (open + configure + load) ->
 * updateElem/attach -> start -> stop (await) -> close.
 * Map values are raw bytes in the kernel's layout (host byte order).
 */
export interface Sensor {
  /**
   * bpf_map__update_elem(BPF_ANY). Per-CPU maps take one 8-byte-aligned slot
   * per possible CPU. Throws TypeError naming the map and the expected sizes
   * on a size mismatch, Error "map '<name>' not found in <path>", or Error
   * with strerror when the kernel refuses (e.g. E2BIG for an array index out
   * of range).
   */
  updateElem(mapName: string, key: Buffer, value: Buffer): void;
  /**
   * Value of a per-CPU map for key: one Buffer per possible CPU, each of the
   * map's value size. Throws TypeError for a non-per-CPU map or a wrong key
   * size, Error (ENOENT) for an absent hash key.
   */
  lookupPercpu(mapName: string, key: Buffer): Buffer[];
  /**
   * bpf_program__attach (attach point from the ELF section), or with `tracepoint` ("<category>/<name>",
   * e.g. "syscalls/sys_enter_chmod") bpf_program__attach_tracepoint: one loaded program attached to several
   * tracepoints. The link is kept until stop()/close(). Throws Error naming the program when it is
   * unknown, was not in options.programs, or the kernel refuses; TypeError for a malformed tracepoint.
   */
  attach(programName: string, tracepoint?: string): void;
  /**
   * BPF_PROG_TEST_RUN of a SEC("syscall") program that was loaded (in options.programs) with ctx as its
   * context (the C struct in the kernel's layout); the kernel copies the context back into ctx, so the
   * program's outputs are read from it afterwards. Returns the program's return value. Throws Error naming
   * the program when unknown, not loaded, or the kernel refuses (errno and libbpf log attached).
   */
  runProgram(programName: string, ctx: Buffer): number;
  /**
   * Destroys every attachment now (no new records) while the worker keeps consuming; stop() then drains.
   * Lets a program run (runProgram) after the last traced event and before the final drain. Idempotent.
   */
  detach(): void;
  /**
   * Starts the ring-buffer worker thread. onBatch runs on the JS thread, one
   * call per batch (see the module comment for the format). The Buffer
   * references native memory handed over without a copy: keep subarrays of it
   * as long as needed; it is freed when garbage collected. At most 8 batches
   * wait for onBatch; beyond that the worker blocks and the kernel drops
   * (and counts) records instead of this process growing. An exception thrown
   * by onBatch becomes an uncaught exception. While running, the sensor keeps
   * the event loop alive. Throws Error if already started or stopped.
   */
  start(onBatch: (batch: Buffer) => void, options?: StartOptions): void;
  /**
   * Detaches every program (no new records), lets the worker finish its round
   * (up to pollTimeoutMs), run a final ring_buffer__consume and hand over the
   * last partial batch. Resolves once every batch was delivered to onBatch
   * and the thread joined. Safe before start() and when called repeatedly
   * (returns the same pending promise while stopping).
   */
  stop(): Promise<void>;
  /** Cumulative worker counters. */
  stats(): SensorStats;
  /**
   * bpf_enable_stats(BPF_STATS_RUN_TIME): until close(), the kernel counts runs and run time of every
   * BPF program on the host (two clock reads per program run). Idempotent. Throws Error with errno
   * (EPERM: the kernel asks for CAP_SYS_ADMIN) when refused.
   */
  enableRunStats(): void;
  /** Run count and run time of every loaded program (zeros while run-time statistics are off). */
  programStats(): ProgramStats[];
  /**
   * bpf_object__close: frees maps and programs. Idempotent. Throws Error if
   * the worker is still running: await stop() first. Other methods throw
   * after close.
   */
  close(): void;
}

/** The addon's `Sensor` class. Constructor errors: see SensorOptions and NativeError. */
export interface SensorConstructor {
  /**
   * bpf_object__open_file(objectPath), autoload only `options.programs`,
   * size the `events` ring buffer, bpf_object__load. Throws Error naming the
   * path with strerror and libbpf's log tail (verifier output included),
   * TypeError/RangeError for bad arguments.
   */
  new (objectPath: string, options: SensorOptions): Sensor;
}

/** Everything the addon exports. */
export interface NativeAddon {
  Sensor: SensorConstructor;
  /** "major.minor" of the libbpf linked at run time, e.g. "1.1". */
  libbpfVersion(): string;
}

/**
 * Absolute path of the built addon: this module is dist/src/sensor/native.js,
 * the addon native/build/Release/rand_guard_native.node at the repo root.
 */
export const addonPath: string = fileURLToPath(
  new URL('../../../native/build/Release/rand_guard_native.node', import.meta.url),
);

let cached: NativeAddon | undefined;

/**
 * Loads the addon once and returns it.
 * Throws Error "native addon not built: run `npm run build` (<path>)" when the
 * file is missing, or an Error wrapping the loader's (e.g. a missing
 * libbpf.so) as `cause`.
 */
export function loadNative(): NativeAddon {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  try {
    cached = require(addonPath) as NativeAddon;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'MODULE_NOT_FOUND' || code === 'ENOENT') {
      throw new Error(`native addon not built: run \`npm run build\` (${addonPath})`, { cause: err });
    }
    throw new Error(`cannot load native addon ${addonPath}: ${(err as Error).message}`, { cause: err });
  }
  return cached;
}
