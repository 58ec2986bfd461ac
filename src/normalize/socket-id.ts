/**
 * Printed socket identity: a keyed hash of the kernel's struct sock address (rg_network.sock_id,
 * rg_net_lifecycle.sock_id), so that the records of one socket (connect / accept / listen, then its
 * network_connect_result and network_close) share a `socket_id` without writing kernel addresses (KASLR) to the
 * output. HMAC-SHA256 with a key drawn at agent start, cut to 64 bits (16 hex digits): stable within one agent
 * run, unrelated across runs. A small cache keeps the cost off the per-record path (socket addresses are
 * recycled by the slab allocator, so a few thousand cover a busy host).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { U64 } from '../abi/raw-event.js';

const KEY = randomBytes(32);
const CACHE_MAX = 8192;
const cache = new Map<bigint, string>();

/** socket_id of a struct sock address; null for 0 (socket not read). */
export function socketId(sockAddr: U64 | undefined): string | null {
  if (sockAddr === undefined) return null;
  const ptr = BigInt(sockAddr);
  if (ptr === 0n) return null;
  const hit = cache.get(ptr);
  if (hit !== undefined) return hit;
  const data = Buffer.alloc(8);
  data.writeBigUInt64LE(ptr, 0);
  const id = createHmac('sha256', KEY).update(data).digest('hex').slice(0, 16);
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(ptr, id);
  return id;
}
