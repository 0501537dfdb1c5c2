// `extra_hosts` entries: "host:ip", "host=ip", "host:[::1]", "host=ip1,ip2", or a mapping of host to address(es), as compose-go reads them.
import { ValueError } from "../errors.js";
import { isIP } from "./net.js";

export interface ExtraHost {
  host: string;
  ip: string;
}

/** Docker resolves this to the host's address on the container's network. */
const HOST_GATEWAY = "host-gateway";

/** One host and one address, from either form; a bracketed IPv6 address loses its brackets. */
export function extraHost(host: string, ip: string): ExtraHost {
  if (host === "" || /[:=]/.test(host)) throw new ValueError(`invalid host name "${host}" (it must be non-empty, without ":" or "=")`);
  const bare = ip.length > 2 && ip.startsWith("[") && ip.endsWith("]") ? ip.slice(1, -1) : ip;
  if (bare !== HOST_GATEWAY && !isIP(bare)) {
    throw new ValueError(`invalid IP address "${ip}" for host "${host}" (use an IPv4 or IPv6 address, or ${HOST_GATEWAY})`);
  }
  return { host, ip: bare };
}

/** A list entry. "=" is looked for first, so "host=::1" needs no brackets; several addresses are comma-separated. */
export function parseExtraHost(entry: string): ExtraHost[] {
  const separator = [entry.indexOf("="), entry.indexOf(":")].find((at) => at >= 0);
  if (separator === undefined) throw new ValueError(`invalid extra host "${entry}" (use "host:ip" or "host=ip")`);
  const host = entry.slice(0, separator);
  return entry.slice(separator + 1).split(",").map((ip) => extraHost(host, ip));
}
