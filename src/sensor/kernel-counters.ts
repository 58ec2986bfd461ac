/**
 * Kernel-side counters (per-CPU array map `counters`, enum rg_counter in
 * bpf/events.h), summed over CPUs. These explain every record the kernel
 * did not deliver: ring buffer full, the agent's own activity, the kernel
 * path filter, unparsable sockaddrs, the send rate bound, the TCP lifecycle table's bounds; and how often a
 * path had to be read at syscall exit instead of entry. Index i of KERNEL_COUNTER_FIELDS is counter i.
 */

/** Health field name for each enum rg_counter index. */
export const KERNEL_COUNTER_FIELDS = [
  'kernel_dropped_process', // RG_CNT_DROP_PROCESS: ring buffer full
  'kernel_dropped_file', // RG_CNT_DROP_FILE
  'kernel_dropped_network', // RG_CNT_DROP_NETWORK
  'kernel_self_excluded_process', // RG_CNT_SELF_PROCESS: agent's own tgid
  'kernel_self_excluded_file', // RG_CNT_SELF_FILE
  'kernel_self_excluded_network', // RG_CNT_SELF_NETWORK
  'kernel_file_filtered', // RG_CNT_FILE_FILTERED: unwatched or excluded path
  'kernel_path_errors', // RG_CNT_PATH_ERROR: path read failed, record flagged
  'kernel_network_unparsed', // RG_CNT_NET_UNPARSED: NULL or short sockaddr
  'kernel_records_submitted', // RG_CNT_SUBMITTED: records written to the ring buffer
  'kernel_path_deferred', // RG_CNT_PATH_DEFERRED: path unreadable at sys_enter, record built at sys_exit
  'kernel_network_send_suppressed', // RG_CNT_NET_SEND_SUPPRESSED: network_send over 1 per (tgid, destination) per second
  'kernel_network_dns_suppressed', // RG_CNT_NET_DNS_SUPPRESSED: DNS records over 32 per (tgid, server) per second
  'kernel_exec_context_errors', // RG_CNT_EXEC_ARGS_ERROR: an exec's argv / env / cwd / cgroup read failed (the record says what is missing)
  'kernel_network_sockets_tracked', // RG_CNT_NET_TRACKED: TCP sockets entered in the lifecycle table
  'kernel_network_sockets_untracked', // RG_CNT_NET_UNTRACKED: removed from it at TCP_CLOSE
  'kernel_network_track_overflow', // RG_CNT_NET_TRACK_OVERFLOW: not entered, table full (16384): no result / close record
  'kernel_network_track_suppressed', // RG_CNT_NET_TRACK_SUPPRESSED: not entered, over 1000 per process per second
  'kernel_network_listeners_opened', // RG_CNT_NET_LISTENERS_OPENED: listening sockets entered in the table
  'kernel_network_listeners_closed', // RG_CNT_NET_LISTENERS_CLOSED: tracked listeners that reached TCP_CLOSE
  'kernel_exec_args_shed', // RG_CNT_EXEC_ARGS_SHED: argv/env pieces not sent to keep a quarter of the ring for exec records
  'kernel_writes_coalesced', // RG_CNT_WRITE_COALESCED: writes counted into a coalescing entry (in summaries' write_count)
  'kernel_write_coalesce_full', // RG_CNT_WRITE_COALESCE_FULL: first writes with no coalescing entry (map full): later writes one record each
] as const;

export type KernelCounterField = (typeof KERNEL_COUNTER_FIELDS)[number];
export type KernelCounters = Record<KernelCounterField, number>;

/** The part of the native Sensor used here. */
export interface PercpuReader {
  lookupPercpu(mapName: string, key: Buffer): Buffer[];
}

/**
 * Read and sum every counter.
 * @throws Error from the map lookup (the map is missing from the object).
 */
export function readKernelCounters(sensor: PercpuReader): KernelCounters {
  const out = {} as KernelCounters;
  const key = Buffer.alloc(4);
  KERNEL_COUNTER_FIELDS.forEach((field, index) => {
    key.writeUInt32LE(index, 0);
    let sum = 0n;
    for (const cpuValue of sensor.lookupPercpu('counters', key)) sum += cpuValue.readBigUInt64LE(0);
    out[field] = Number(sum);
  });
  return out;
}
