/**
 * Bounded parser of the header and first question of a DNS query message (RFC 1035 §4.1), as copied
 * by the kernel from a UDP send to port 53 (at most 512 bytes). Every read is bounds-checked; the
 * parser never throws and never loops more than MAX_LABELS times.
 *
 * Rejected as malformed (no record; counted in `userspace_dns_malformed`):
 * - fewer than 12 header bytes, QR bit set (a response, not a query), QDCOUNT 0;
 * - a question name that runs past the payload, a label longer than 63 bytes, a name longer than 255
 *   wire bytes or with more than 127 labels, a compression pointer (0b11 prefix: a query's question has
 *   nothing to point back to, and pointers are how parsers are made to loop) or a reserved label type
 *   (0b01 / 0b10 prefix);
 * - fewer than 4 bytes left for QTYPE and QCLASS.
 */

/** Largest label (RFC 1035 §2.3.4). */
export const DNS_MAX_LABEL = 63;
/** Largest name in wire form, length bytes and the root label included (RFC 1035 §2.3.4). */
export const DNS_MAX_NAME = 255;
/** Most labels a 255-byte name can hold (127 one-byte labels + root). */
export const DNS_MAX_LABELS = 127;
/** Bytes of the DNS header. */
export const DNS_HEADER_SIZE = 12;

/** QTYPE numbers -> mnemonic (IANA DNS parameters); other numbers are reported as numbers. */
const QUERY_TYPES: ReadonlyMap<number, string> = new Map([
  [1, 'A'], [2, 'NS'], [5, 'CNAME'], [6, 'SOA'], [10, 'NULL'], [12, 'PTR'], [13, 'HINFO'], [15, 'MX'], [16, 'TXT'],
  [28, 'AAAA'], [33, 'SRV'], [35, 'NAPTR'], [39, 'DNAME'], [41, 'OPT'], [43, 'DS'], [46, 'RRSIG'], [47, 'NSEC'],
  [48, 'DNSKEY'], [50, 'NSEC3'], [52, 'TLSA'], [64, 'SVCB'], [65, 'HTTPS'], [99, 'SPF'], [251, 'IXFR'], [252, 'AXFR'],
  [255, 'ANY'], [257, 'CAA'],
]);

/** QTYPE -> "A", "AAAA", "TXT", ...; the number when it has no mnemonic here. */
export function queryTypeName(qtype: number): string | number {
  return QUERY_TYPES.get(qtype) ?? qtype;
}

/** The parts of a DNS query this agent reports. */
export interface DnsQuery {
  /** header ID (u16), pairs the query with its response */
  id: number;
  /** header OPCODE (0 = standard query) */
  opcode: number;
  /** header QDCOUNT; only the first question is parsed */
  questionCount: number;
  /**
   * first question's QNAME: labels joined with ".", ASCII letters lower-cased, no trailing dot; "." for
   * the root. Bytes outside printable ASCII, and ".", "/" or "\" inside a label, are written as "\DDD"
   * (decimal, the zone-file convention) so that a label cannot fake a dot or a glob separator.
   */
  name: string;
  /** QTYPE mnemonic or number (see queryTypeName) */
  type: string | number;
  /** QCLASS (1 = IN) */
  qclass: number;
}

/** parseDnsQuery's outcome: the query, or why the payload is not one. */
export type DnsParseResult = { ok: true; query: DnsQuery } | { ok: false; reason: string };

const malformed = (reason: string): DnsParseResult => ({ ok: false, reason });

/** One label byte as printed: lower-cased letter, digit/punctuation as is, anything else "\DDD". */
function labelChar(b: number): string {
  if (b >= 0x41 && b <= 0x5a) return String.fromCharCode(b + 0x20);
  if (b > 0x20 && b < 0x7f && b !== 0x2e && b !== 0x5c && b !== 0x2f) return String.fromCharCode(b);
  return '\\' + String(b).padStart(3, '0');
}

/**
 * Parses the DNS header and the first question of `msg` (the bytes a client sent, network byte order).
 * Never throws; see the module comment for what is rejected.
 */
export function parseDnsQuery(msg: Uint8Array): DnsParseResult {
  const len = msg.length;
  if (len < DNS_HEADER_SIZE) return malformed(`${len} bytes, shorter than the 12-byte header`);
  const id = (msg[0] << 8) | msg[1];
  const flags = (msg[2] << 8) | msg[3];
  if ((flags & 0x8000) !== 0) return malformed('QR bit set: a response, not a query');
  const questionCount = (msg[4] << 8) | msg[5];
  if (questionCount === 0) return malformed('no question (QDCOUNT 0)');

  const labels: string[] = [];
  let off = DNS_HEADER_SIZE;
  let wire = 0;
  for (let n = 0; ; n++) {
    if (n > DNS_MAX_LABELS) return malformed(`more than ${DNS_MAX_LABELS} labels`);
    if (off >= len) return malformed('question name runs past the payload');
    const l = msg[off];
    if ((l & 0xc0) === 0xc0) return malformed(`compression pointer at byte ${off} in the question`);
    if ((l & 0xc0) !== 0) return malformed(`reserved label type 0x${l.toString(16)} at byte ${off}`);
    wire += l + 1;
    if (wire > DNS_MAX_NAME) return malformed(`name longer than ${DNS_MAX_NAME} bytes`);
    off++;
    if (l === 0) break;
    if (off + l > len) return malformed('label runs past the payload');
    let label = '';
    for (let i = 0; i < l; i++) label += labelChar(msg[off + i]);
    labels.push(label);
    off += l;
  }
  if (off + 4 > len) return malformed('QTYPE/QCLASS run past the payload');
  const qtype = (msg[off] << 8) | msg[off + 1];
  const qclass = (msg[off + 2] << 8) | msg[off + 3];
  return {
    ok: true,
    query: {
      id,
      opcode: (flags >> 11) & 0xf,
      questionCount,
      name: labels.length === 0 ? '.' : labels.join('.'),
      type: queryTypeName(qtype),
      qclass,
    },
  };
}
