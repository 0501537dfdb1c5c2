// The files Docker generates per container and binds over the image's: /etc/hosts, /etc/hostname and
// /etc/resolv.conf.
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { settleAll } from "../settle.js";
import { invalid } from "./errors.js";
import type { ContainerPaths, ContainerRecord } from "./record.js";

const LOCALHOST = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n" +
  "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n";

/** ExtraHosts entries, `name:address` (or Docker's `name=address`), as hosts-file lines. */
function extraHostLines(extraHosts: string[]): string {
  return extraHosts
    .map((entry) => {
      const m = /^([^:=\s]+)[:=](.+)$/.exec(entry);
      if (!m) throw invalid(`invalid ExtraHosts entry "${entry}": expected "hostname:IP", e.g. "db:10.0.0.5"`);
      if (m[2] === "host-gateway") throw invalid(`ExtraHosts "${entry}": host-gateway is not supported by berth yet; give the address`);
      return `${m[2]!.replace(/^\[(.*)\]$/, "$1")}\t${m[1]}\n`;
    })
    .join("");
}

/**
 * With the host's network the container sees the host's hosts file; otherwise localhost and its own name at
 * its network addresses (`addresses`, known once it is connected) or, with none, at 127.0.1.1.
 */
export function hostsFile(options: { hostNetwork: boolean; hostname: string; extraHosts: string[]; addresses?: string[] }): string {
  const extra = extraHostLines(options.extraHosts);
  if (options.hostNetwork) return readHostFile("/etc/hosts") + extra;
  const own = options.addresses?.length ? options.addresses : ["127.0.1.1"];
  return LOCALHOST + extra + own.map((address) => `${address}\t${options.hostname}\n`).join("");
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
 * On a user network the one nameserver is the network's DNS server (`networkDns`, its gateway), which forwards
 * the rest upstream. Otherwise given servers (Dns) win, else the host's resolv.conf's, without loopback
 * nameservers unless the container shares the host's network (it could not reach them from its own namespace).
 * Search domains and options: given ones (DnsSearch, DnsOptions), else the host's; on a user network, with
 * ndots:0 unless they set ndots.
 */
export function resolvConf(dns: DnsSettings, hostNetwork: boolean, networkDns?: string): string {
  const host = readHostFile("/etc/resolv.conf").split("\n");
  const hostServers = host.flatMap((l) => /^\s*nameserver\s+(\S+)/.exec(l)?.[1] ?? []);
  const servers = networkDns ? [networkDns]
    : dns.servers.length > 0 ? dns.servers : hostServers.filter((s) => hostNetwork || !/^(127\.|::1$)/.test(s));
  const search = dns.search.length > 0 ? dns.search : host.flatMap((l) => /^\s*search\s+(.+)/.exec(l)?.[1]?.split(/\s+/) ?? []);
  const given = dns.options.length > 0 ? dns.options : host.flatMap((l) => /^\s*options\s+(.+)/.exec(l)?.[1]?.split(/\s+/) ?? []);
  // As Docker's embedded DNS: names without a dot (other containers) go to the network's server as they are,
  // not first through the search domains; an ndots already set stays.
  const options = networkDns && !given.some((o) => o.startsWith("ndots:")) ? [...given, "ndots:0"] : given;
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

/**
 * Writes the container's /etc/hosts and /etc/resolv.conf: at create, and again once its endpoints have addresses
 * (at start, after a live connect or disconnect) with `network`: its own addresses, and its first network's DNS
 * server if that is a user network.
 */
export async function writeEtcFiles(paths: ContainerPaths, record: ContainerRecord, network?: { addresses: string[]; nameserver?: string }): Promise<void> {
  const { Config: config, HostConfig: host } = record;
  const hostNetwork = host.NetworkMode === "host";
  const extraHosts = (host.ExtraHosts as string[] | null) ?? [];
  const dns = { servers: host.Dns ?? [], search: host.DnsSearch ?? [], options: host.DnsOptions ?? [] };
  await settleAll([
    writeFile(paths.hosts, hostsFile({ hostNetwork, hostname: config.Hostname, extraHosts, addresses: network?.addresses })),
    writeFile(paths.resolvConf, resolvConf(dns, hostNetwork, network?.nameserver)),
  ]);
}
