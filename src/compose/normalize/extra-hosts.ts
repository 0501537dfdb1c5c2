// `extra_hosts`: a sorted list of `host=ip`, one address per entry, as compose prints it ("=" keeps IPv6 readable).
import { located, type Path } from "../errors.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { extraHost, parseExtraHost } from "../syntax/extra-hosts.js";
import { at, toList } from "./values.js";

export function normalizeExtraHosts(value: unknown, path: Path, ctx: NormalizeContext): string[] {
  const hosts = Array.isArray(value)
    ? value.flatMap((entry, i) => located(at(ctx, [...path, i]), () => parseExtraHost(String(entry))))
    : Object.entries(value as Dict).flatMap(([host, ips]) => located(at(ctx, [...path, host]), () => toList(ips).map((ip) => extraHost(host, ip))));
  return hosts.map(({ host, ip }) => `${host}=${ip}`).sort();
}
