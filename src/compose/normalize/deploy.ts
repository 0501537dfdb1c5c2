// `deploy`: sizes and durations in their canonical text, labels as a map.
import type { Path } from "../errors.js";
import type { DeployConfig, ResourceLimits, UpdateConfig } from "../model.js";
import type { NormalizeContext } from "../normalize.js";
import type { Dict } from "../parse.js";
import { toBytes, toDuration } from "./units.js";
import { isDict, toMapping, withoutExtensions } from "./values.js";

export function normalizeDeploy(value: Dict, path: Path, ctx: NormalizeContext): DeployConfig {
  const deploy = withoutExtensions(value) as DeployConfig & Dict;
  const out: DeployConfig = { ...deploy };
  if (deploy.labels !== undefined) out.labels = toMapping(deploy.labels);
  if (isDict(value.resources)) out.resources = resources(value.resources, [...path, "resources"], ctx);
  if (isDict(value.restart_policy)) {
    const policy = withoutExtensions(value.restart_policy);
    out.restart_policy = { ...policy, ...durations(policy, ["delay", "window"], [...path, "restart_policy"], ctx) };
  }
  for (const key of ["update_config", "rollback_config"] as const) {
    const update = value[key];
    if (isDict(update)) out[key] = { ...withoutExtensions(update), ...durations(update, ["delay", "monitor"], [...path, key], ctx) } as UpdateConfig;
  }
  if (isDict(value.placement)) out.placement = withoutExtensions(value.placement);
  return out;
}

function resources(value: Dict, path: Path, ctx: NormalizeContext): DeployConfig["resources"] {
  const out: DeployConfig["resources"] = {};
  for (const key of ["limits", "reservations"] as const) {
    const limits = value[key];
    if (!isDict(limits)) continue;
    const { memory, devices, ...rest } = withoutExtensions(limits);
    out[key] = {
      ...rest,
      ...(memory !== undefined && { memory: toBytes(memory, [...path, key, "memory"], ctx) }),
      ...(Array.isArray(devices) && { devices: devices.map((device) => withoutExtensions(device as Dict)) }),
    } as ResourceLimits;
  }
  return out;
}

function durations(value: Dict, keys: string[], path: Path, ctx: NormalizeContext): Dict {
  return Object.fromEntries(keys.filter((key) => value[key] !== undefined).map((key) => [key, toDuration(value[key], [...path, key], ctx)]));
}
