// What the host already uses, so that a new network's subnet stays clear of it: routes, interface addresses
// and the nameservers of resolv.conf (a container that routes its resolver to a bridge loses DNS).
import { readFile } from "node:fs/promises";
import { networkOf, parseIPv4 } from "./cidr.js";
import type { UsedRange } from "./ipam.js";
import type { Rtnl } from "./netlink.js";

/**
 * Routes broader than /8 are left out: the default route and VPNs' 0.0.0.0/1 + 128.0.0.0/1 pairs cover every
 * pool (Docker counted them until v23 and then could place no network at all on such hosts).
 */
const BROADEST_ROUTE = 8;

export async function hostRanges(rtnl: Rtnl, resolvConf: string): Promise<UsedRange[]> {
  const used: UsedRange[] = [];
  for (const route of await rtnl.routes()) {
    if (route.prefixLength < BROADEST_ROUTE) continue;
    const base = parseIPv4(route.destination)!;
    used.push({ subnet: { base, prefix: route.prefixLength }, holder: `host route ${route.destination}/${route.prefixLength}`, kind: "host" });
  }
  for (const a of await rtnl.addresses()) {
    const base = networkOf(parseIPv4(a.address)!, a.prefixLength);
    used.push({ subnet: { base, prefix: a.prefixLength }, holder: `host address ${a.address}/${a.prefixLength}`, kind: "host" });
  }
  for (const server of await nameservers(resolvConf)) {
    used.push({ subnet: { base: parseIPv4(server)!, prefix: 32 }, holder: `nameserver ${server} in ${resolvConf}`, kind: "host" });
  }
  return used;
}

/** The IPv4 nameservers of a resolv.conf; none when the file is missing. */
export async function nameservers(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return [...text.matchAll(/^\s*nameserver\s+(\S+)/gm)].map((m) => m[1]!).filter((s) => parseIPv4(s) !== undefined);
}
