// Top-level networks, volumes, secrets and configs: each gets the name it has on the host, `<project>_<key>`
// unless it says otherwise or is external (then its key), as compose-go's setNameFromKey.
import { located, type Path } from "../errors.js";
import type { FileObjectDefinition, NetworkDefinition, VolumeDefinition } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { parseCIDR } from "../syntax/net.js";
import { at, checkAddress, isDict, toMapping, userError, withoutExtensions } from "./values.js";

type ResourceKind = "networks" | "volumes" | "secrets" | "configs";

/** The common part of every top-level resource: extensions dropped, labels as a map, its name on the host. */
function normalizeResource(kind: ResourceKind, key: string, value: unknown, ctx: NormalizeContext): Dict {
  const path = [kind, key];
  const resource = isDict(value) ? withoutExtensions(value) : {};
  // Compose file format 3 spelled an external name `external: { name: x }`; compose-go still reads it.
  if (isDict(resource.external)) {
    const legacyName = resource.external.name;
    if (resource.name !== undefined && legacyName !== undefined) {
      throw userError(ctx, [...path, "external", "name"], `external.name and name are both set (keep only name)`);
    }
    ctx.warn({ message: `external.name is deprecated (write name: ${String(legacyName)} and external: true)`, loc: ctx.locate([...path, "external"]), path });
    resource.external = true;
    if (legacyName !== undefined) resource.name = legacyName;
  }
  if (resource.labels !== undefined) resource.labels = toMapping(resource.labels);
  const hostName = resource.name ?? (resource.external === true ? key : `${ctx.projectName}_${key}`);
  return { name: String(hostName), ...resource };
}

function normalizeAll<T>(kind: ResourceKind, value: unknown, ctx: NormalizeContext, each: (resource: Dict, path: Path) => T): Record<string, T> {
  const resources = isDict(value) ? value : {};
  return Object.fromEntries(Object.entries(resources).map(([key, raw]) => [key, each(normalizeResource(kind, key, raw, ctx), [kind, key])]));
}

export function normalizeNetworkDefinitions(value: unknown, ctx: NormalizeContext): Record<string, NetworkDefinition> {
  return normalizeAll("networks", value, ctx, (network, path) => {
    if (isDict(network.ipam)) network.ipam = ipam(network.ipam, [...path, "ipam"], ctx);
    return network as unknown as NetworkDefinition;
  });
}

export function normalizeVolumeDefinitions(value: unknown, ctx: NormalizeContext): Record<string, VolumeDefinition> {
  return normalizeAll("volumes", value, ctx, (volume) => volume as unknown as VolumeDefinition);
}

export function normalizeFileObjects(kind: "secrets" | "configs", value: unknown, ctx: NormalizeContext): Record<string, FileObjectDefinition> {
  return normalizeAll(kind, value, ctx, (object) => object as unknown as FileObjectDefinition);
}

/** Subnets and ranges must be CIDR blocks and gateways addresses: the network could not be created otherwise. */
function ipam(value: Dict, path: Path, ctx: NormalizeContext): Dict {
  const out = withoutExtensions(value);
  if (out.options !== undefined) out.options = toMapping(out.options);
  if (!Array.isArray(value.config)) return out;
  out.config = value.config.map((entry, i) => {
    const pool = withoutExtensions(entry as Dict);
    const poolPath = [...path, "config", i];
    for (const key of ["subnet", "ip_range"]) {
      if (pool[key] !== undefined) located(at(ctx, [...poolPath, key]), () => parseCIDR(String(pool[key])));
    }
    if (pool.gateway !== undefined) checkAddress(String(pool.gateway), [...poolPath, "gateway"], ctx);
    if (pool.aux_addresses !== undefined) pool.aux_addresses = toMapping(pool.aux_addresses);
    return pool;
  });
  return out;
}
