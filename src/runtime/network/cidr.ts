// IPv4 addresses and prefixes as plain numbers (an unsigned 32-bit address fits a double exactly).

export interface Subnet {
  /** The network address. */
  readonly base: number;
  readonly prefix: number;
}

const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function parseIPv4(text: string): number | undefined {
  const m = DOTTED_QUAD.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return octets.reduce((n, o) => n * 256 + o, 0);
}

export function formatIPv4(address: number): string {
  return [address >>> 24, (address >>> 16) & 255, (address >>> 8) & 255, address & 255].join(".");
}

/** "10.1.2.0/24". Undefined when malformed; host bits may be set (see `hostBits`). */
export function parseCidr(text: string): { address: number; prefix: number } | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const address = parseIPv4(text.slice(0, slash));
  const bits = text.slice(slash + 1);
  if (address === undefined || !/^\d{1,2}$/.test(bits) || Number(bits) > 32) return undefined;
  return { address, prefix: Number(bits) };
}

export function subnetSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The prefix's network address: `address` with its host bits cleared. */
export function networkOf(address: number, prefix: number): number {
  return address - (address % subnetSize(prefix));
}

export function lastAddress(s: Subnet): number {
  return s.base + subnetSize(s.prefix) - 1;
}

export function formatSubnet(s: Subnet): string {
  return `${formatIPv4(s.base)}/${s.prefix}`;
}

export function contains(s: Subnet, address: number): boolean {
  return address >= s.base && address <= lastAddress(s);
}

export function overlaps(a: Subnet, b: Subnet): boolean {
  return a.base <= lastAddress(b) && b.base <= lastAddress(a);
}

export function within(inner: Subnet, outer: Subnet): boolean {
  return inner.base >= outer.base && lastAddress(inner) <= lastAddress(outer);
}
