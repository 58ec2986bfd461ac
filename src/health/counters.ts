/**
 * Userspace pipeline counters: every place between the bridge and the sink
 * where a record can stop has one, so `health` can show that nothing was
 * lost without a reason. All values are cumulative since start.
 */
export class PipelineCounters {
  /** Records decoded from ring-buffer batches (valid or not). Original name. */
  raw_events_read = 0;
  /** Event records written to the sink. Original name. */
  normalized_events_output = 0;
  /** Alert records written (rule engine; later issue). Original name. */
  alerts_output = 0;
  /** File records rejected by the userspace watch/exclude filter. */
  userspace_filtered = 0;
  /** Records with a bad header, version, size or tail (decode errors). */
  userspace_invalid_schema = 0;
  /** Records with a kind this agent does not know. */
  userspace_unsupported_kind = 0;
  /**
   * Records denied by the fair rate limiter (src/limit/fair-limiter.ts: per process, per uid, then
   * the host-wide `[performance] max_events_per_second`).
   */
  userspace_rate_limited = 0;
  /** Lines (events, alerts, health) whose sink write failed. */
  userspace_output_failures = 0;
  /** Event records (not alerts or health) whose sink write failed: used to balance the books. */
  output_failed_events = 0;
  /** Records not written because `[agent] mode = "detect"` writes only records with a detection or alert. */
  userspace_mode_suppressed = 0;
  /** Records consumed internally (exec-syscall source markers): never printed by design. */
  internal_events = 0;
  /**
   * DNS records (network.collect_dns) whose payload is not a well-formed query (src/normalize/dns.ts):
   * no network_dns record is written. The agent counts a normalize result
   * `{ type: 'internal', malformed: 'userspace_dns_malformed' }` here instead of in internal_events.
   */
  userspace_dns_malformed = 0;
  /**
   * EXEC_ARGS pieces (argv / env of an exec) dropped before their exec record arrived: stale pieces of a
   * pid replaced by a newer exec's, or the oldest pending over the assembler's caps (src/normalize/exec-args.ts).
   * Not a record outcome (each piece is also counted in internal_events).
   */
  userspace_exec_args_evicted = 0;
  /**
   * process_start records whose collected argv or env lacked pieces in userspace (missing, evicted,
   * out of order): they say argv_truncated / env_truncated. Not a record outcome.
   */
  userspace_exec_args_incomplete = 0;
  /**
   * Records whose handling threw (normalize, detection, serialization: a bug or an injected fault,
   * src/fault/fault-injection.ts). The record is dropped, its partial output discarded, and
   * collection goes on with the next record (src/agent.ts onBatch).
   */
  userspace_record_errors = 0;
  /** Rotated output files gzipped (`[output] compress`): `path.N.gz` written, `path.N` removed. Not a record outcome. */
  output_files_compressed = 0;
  /**
   * Rotated output files whose gzip failed (read, write, rename): the uncompressed `path.N` stays, so no
   * record is lost; not a record outcome.
   */
  output_compress_failures = 0;
  /**
   * Write coalescing: entries the kernel's flush skipped because a write held them at that instant (taken
   * by the next sweep; at stop nothing can hold one). Not a record outcome.
   */
  userspace_write_flush_busy = 0;
  /**
   * First-write records' paths dropped before a summary came for them (src/normalize/write-windows.ts,
   * oldest first beyond twice the kernel map's entries): such a summary has resolved_path "" and
   * path_resolved false. Not a record outcome.
   */
  userspace_write_windows_evicted = 0;
  /** Runs of the kernel's write flush that failed (logged); the entries stay for the next run. Not a record outcome. */
  userspace_write_flush_failures = 0;
  /** `rate_limited` records written (one per limited process per window); not raw records, so outside the balance. */
  rate_limited_reports_output = 0;

  /**
   * process_start records (seeded: true) made from the /proc seed at start for processes already
   * running: inputs besides the ring's records, with the same outcomes (written, limited, suppressed).
   */
  seeded_process_starts = 0;

  /**
   * raw_events_read + seeded_process_starts minus every counted outcome; anything but 0 is a bug
   * (a record that vanished without a counter).
   */
  unaccounted(): number {
    return (
      this.raw_events_read +
      this.seeded_process_starts -
      this.normalized_events_output -
      this.userspace_filtered -
      this.userspace_invalid_schema -
      this.userspace_unsupported_kind -
      this.userspace_rate_limited -
      this.userspace_mode_suppressed -
      this.output_failed_events -
      this.internal_events -
      this.userspace_dns_malformed -
      this.userspace_record_errors
    );
  }
}
