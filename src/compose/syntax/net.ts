// IP addresses and CIDR blocks, IPv4 and IPv6, parsed as strictly as Go's net.ParseIP / net.ParseCIDR.
import { ValueError } from "../errors.js";

export type Family = 4 | 6;

export interface Cidr {
  /** the network address as written (never with host bits set) */
  address: string;
  prefix: number;
  family: Family;
}

/** Dotted-decimal IPv4 → 4 octets. Leading zeros are refused: "010" is octal to some tools, decimal to others. */
export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

/** IPv6 text (with `::` and an optional dotted IPv4 tail, no zone) → 16 bytes. */
function parseIPv6(s: string): number[] | undefined {
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const head = groupsToBytes(halves[0], halves.length === 1);
  const tail = halves.length === 2 ? groupsToBytes(halves[1], true) : [];
  if (!head || !tail) return undefined;
  const missing = 16 - head.length - tail.length;
  // "::" stands for at least one zero group; without it the groups must fill all 16 bytes.
  if (halves.length === 2 ? missing < 2 : missing !== 0) return undefined;
  return [...head, ...new Array<number>(missing).fill(0), ...tail];
}

/** "a:b:1.2.3.4" → bytes; the dotted IPv4 form is allowed only as the last group of the whole address. */
function groupsToBytes(text: string, endsAddress: boolean): number[] | undefined {
  if (text === "") return [];
  const groups = text.split(":");
  const bytes: number[] = [];
  for (const [i, group] of groups.entries()) {
    if (endsAddress && i === groups.length - 1 && group.includes(".")) {
      const octets = parseIPv4(group);
      if (!octets) return undefined;
      bytes.push(...octets);
    } else if (/^[0-9a-fA-F]{1,4}$/.test(group)) {
      const n = parseInt(group, 16);
      bytes.push(n >> 8, n & 0xff);
    } else {
      return undefined;
    }
  }
  return bytes;
}

export function isIPv6(s: string): boolean {
  return parseIPv6(s) !== undefined;
}

export function isIP(s: string): boolean {
  return parseIPv4(s) !== undefined || isIPv6(s);
}

/** 4 bytes for IPv4, 16 for IPv6. */
function parseIP(s: string): number[] | undefined {
  return parseIPv4(s) ?? parseIPv6(s);
}

const familyOf = (bytes: number[]): Family => (bytes.length === 4 ? 4 : 6);

function bitAt(bytes: number[], i: number): number {
  return (bytes[i >> 3] >> (7 - (i & 7))) & 1;
}

function samePrefix(a: number[], b: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) if (bitAt(a, i) !== bitAt(b, i)) return false;
  return true;
}

function parseNetwork(s: string): Cidr & { bytes: number[] } {
  const [address, prefixText, extra] = s.split("/");
  const bytes = parseIP(address);
  if (!bytes || prefixText === undefined || extra !== undefined) {
    throw new ValueError(`invalid CIDR "${s}" (use an address and a prefix length, e.g. "172.28.0.0/16" or "fd00::/64")`);
  }
  const maxPrefix = bytes.length * 8;
  const prefix = Number(prefixText);
  if (!/^(0|[1-9]\d*)$/.test(prefixText) || prefix > maxPrefix) {
    throw new ValueError(`invalid prefix length in "${s}" (use 0-${maxPrefix})`);
  }
  // Docker refuses a subnet with host bits set rather than silently masking them away.
  for (let i = prefix; i < maxPrefix; i++) {
    if (bitAt(bytes, i)) throw new ValueError(`invalid CIDR "${s}": host bits are set (use "${formatNetwork(bytes, prefix)}")`);
  }
  return { address, prefix, family: familyOf(bytes), bytes };
}

/** The address with all bits after `prefix` cleared, as `address/prefix`. */
function formatNetwork(bytes: number[], prefix: number): string {
  const masked = bytes.map((byte, i) => {
    const keep = Math.min(8, Math.max(0, prefix - i * 8));
    return byte & (0xff << (8 - keep)) & 0xff;
  });
  if (masked.length === 4) return `${masked.join(".")}/${prefix}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((masked[i] << 8) | masked[i + 1]).toString(16));
  return `${compressZeros(groups)}/${prefix}`;
}

/** RFC 5952 text: the longest run of two or more zero groups becomes "::". */
function compressZeros(groups: string[]): string {
  let best = { start: -1, length: 1 };
  for (let start = 0; start < groups.length; start++) {
    let length = 0;
    while (groups[start + length] === "0") length++;
    if (length > best.length) best = { start, length };
  }
  if (best.start < 0) return groups.join(":");
  return `${groups.slice(0, best.start).join(":")}::${groups.slice(best.start + best.length).join(":")}`;
}

export function parseCIDR(s: string): Cidr {
  const { address, prefix, family } = parseNetwork(s);
  return { address, prefix, family };
}

export function ipInCIDR(ip: string, cidr: string): boolean {
  const bytes = parseIP(ip);
  if (!bytes) throw new ValueError(`invalid IP address "${ip}"`);
  const network = parseNetwork(cidr);
  return familyOf(bytes) === network.family && samePrefix(bytes, network.bytes, network.prefix);
}

/** Two blocks overlap exactly when the shorter prefix contains the other's network address. */
export function cidrOverlaps(a: string, b: string): boolean {
  const x = parseNetwork(a);
  const y = parseNetwork(b);
  return x.family === y.family && samePrefix(x.bytes, y.bytes, Math.min(x.prefix, y.prefix));
}
