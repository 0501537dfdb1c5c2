// `depends_on` as a map with compose-go's defaults, plus the dependencies other keys imply: a service named by
// `links`, `volumes_from` or a `service:` namespace must start first (compose-go's Normalize).
import type { ServiceDependency } from "../model.js";
import type { Dict } from "../parse.js";
import { isDict, withoutExtensions } from "./values.js";

const NAMESPACE_KEYS = ["network_mode", "ipc", "pid", "uts", "cgroup"];

export function normalizeDependsOn(service: Dict): Record<string, ServiceDependency> | undefined {
  const dependencies: Record<string, ServiceDependency> = {};
  const declared = service.depends_on;
  if (Array.isArray(declared)) {
    for (const name of declared) dependencies[String(name)] = { condition: "service_started", required: true };
  } else if (isDict(declared)) {
    for (const [name, value] of Object.entries(declared)) dependencies[name] = explicit(withoutExtensions(value as Dict));
  }

  // A declared dependency wins over an implied one; a shared namespace or link also restarts with its service.
  const imply = (name: string, restart: boolean) => {
    dependencies[name] ??= { condition: "service_started", required: true, ...(restart && { restart: true }) };
  };
  for (const link of (service.links as string[] | undefined) ?? []) imply(link.split(":")[0]!, true);
  for (const key of NAMESPACE_KEYS) {
    const mode = service[key];
    if (typeof mode === "string" && mode.startsWith("service:")) imply(mode.slice("service:".length), true);
  }
  for (const source of (service.volumes_from as string[] | undefined) ?? []) {
    if (!source.startsWith("container:")) imply(source.split(":")[0]!, false);
  }
  return Object.keys(dependencies).length > 0 ? dependencies : undefined;
}

function explicit(dependency: Dict): ServiceDependency {
  return {
    condition: (dependency.condition as ServiceDependency["condition"] | undefined) ?? "service_started",
    required: dependency.required !== false,
    ...(dependency.restart === true && { restart: true }),
  };
}
