// The files Docker generates per container and binds over the image's: /etc/hosts, /etc/hostname and
// /etc/resolv.conf.
import { readFileSync } from "node:fs";
import { invalid } from "./errors.js";

const LOCALHOST = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n" +
  "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

/** ExtraHosts entries, `name:address` (or Docker's `name=address`), as hosts-file lines. */
function extraHostLines(extraHosts: string[]): string {
  return extraHosts
    .map((entry) => {
      const m = /^([^:=\s]+)[:=](.+)$/.exec(entry);
      if (!m) throw invalid(`invalid ExtraHosts entry "${entry}": expected "hostname:IP", e.g. "db:10.0.0.5"`);
      if (m[2] === "host-gateway") throw invalid(`ExtraHosts "${entry}": host-gateway needs a bridge network, which berth does not offer yet`);
      return `${m[2]!.replace(/^\[(.*)\]$/, "$1")}\t${m[1]}\n`;
    })
    .join("");
}

/** With the host's network the container sees the host's hosts file; otherwise localhost and its own name. */
export function hostsFile(options: { hostNetwork: boolean; hostname: string; extraHosts: string[] }): string {
  const extra = extraHostLines(options.extraHosts);
  if (options.hostNetwork) return readHostFile("/etc/hosts") + extra;
  // No address but loopback yet (bridge networks come later), so the container's own name points there.
  return LOCALHOST + `127.0.1.1\t${options.hostname}\n` + extra;
}

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

export interface DnsSettings {
  servers: string[];
  search: string[];
  options: string[];
}

/**
 * Given servers (Dns, DnsSearch, DnsOptions) win; otherwise the host's resolv.conf, without loopback
 * nameservers unless the container shares the host's network (it could not reach them from its own namespace).
 */
export function resolvConf(dns: DnsSettings, hostNetwork: boolean): string {
  const host = readHostFile("/etc/resolv.conf").split("\n");
  const hostServers = host.flatMap((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1] ?? []);
  const servers = dns.servers.length > 0 ? dns.servers : hostServers.filter((s) => hostNetwork || !/^(127\.|::1$)/.test(s));
  const search = dns.search.length > 0 ? dns.search : host.flatMap((l) => /^\s*search\s+(.+)/.exec(l)?.[1]?.split(/\s+/) ?? []);
  const options = dns.options.length > 0 ? dns.options : host.flatMap((l) => /^\s*options\s+(.+)/.exec(l)?.[1]?.split(/\s+/) ?? []);
  return [
    ...servers.map((s) => `nameserver ${s}`),
    ...(search.length > 0 ? [`search ${search.join(" ")}`] : []),
    ...(options.length > 0 ? [`options ${options.join(" ")}`] : []),
  ].join("\n") + "\n";
}

function readHostFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return ""; // a host without the file gives the container an empty one, as Docker does
  }
}
