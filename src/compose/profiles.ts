// Profiles: a service that lists profiles is enabled only when one of them is active (`*` activates all);
// a service without profiles always is. Naming a service on the command line enables it and activates all its
// profiles. An enabled service may not rely on a disabled one (Compose refuses the project), except through a
// `depends_on` entry with `required: false`, which is dropped.
import { UserError, type Loc, type Path } from "./errors.js";
import { isDict } from "./normalize/values.js";
import type { Dict } from "./parse.js";

type Locate = (path: Path) => Loc | undefined;

/** The data with only the enabled services. */
export function applyProfiles(data: Dict, active: string[], requestedServices: string[], locate: Locate = () => undefined): Dict {
  const services = isDict(data.services) ? data.services : {};
  const activated = new Set(active);
  for (const name of requestedServices) {
    if (!Object.hasOwn(services, name)) throw new UserError(`no such service: ${name}`);
    for (const profile of profilesOf(services[name])) activated.add(profile);
  }
  const isEnabled = (name: string) => {
    const profiles = profilesOf(services[name]);
    return profiles.length === 0 || activated.has("*") || profiles.some((profile) => activated.has(profile));
  };
  const isDisabled = (name: string) => Object.hasOwn(services, name) && !isEnabled(name);

  const enabled: Dict = {};
  for (const [name, service] of Object.entries(services)) {
    if (!isEnabled(name)) continue;
    for (const ref of references(service).filter((r) => r.required && isDisabled(r.service))) {
      const path = ["services", name, ...ref.at];
      const profiles = profilesOf(services[ref.service]).join(", ");
      throw new UserError(`service "${ref.service}" is disabled: activate one of its profiles (${profiles})`, { loc: locate(path), path });
    }
    enabled[name] = withoutOptionalDependencies(service, isDisabled);
  }
  return { ...data, services: enabled };
}

/** Every profile some service lists, sorted (`config --profiles`). */
export function listProfiles(data: Dict): string[] {
  const services = isDict(data.services) ? Object.values(data.services) : [];
  return [...new Set(services.flatMap(profilesOf))].sort();
}

function profilesOf(service: unknown): string[] {
  return isDict(service) && Array.isArray(service.profiles) ? service.profiles.map(String) : [];
}

interface Reference {
  service: string;
  /** where the reference is written, relative to the service */
  at: Path;
  required: boolean;
}

/** The other services a service needs: `depends_on`, `links`, `volumes_from` and `service:NAME` namespaces. */
function references(service: unknown): Reference[] {
  if (!isDict(service)) return [];
  const refs: Reference[] = [];
  const add = (name: string | undefined, at: Path, required = true) => {
    if (name) refs.push({ service: name, at, required });
  };
  const { depends_on: dependsOn, links, volumes_from: volumesFrom } = service;
  if (Array.isArray(dependsOn)) dependsOn.forEach((name, i) => add(String(name), ["depends_on", i]));
  if (isDict(dependsOn)) {
    for (const [name, dependency] of Object.entries(dependsOn)) add(name, ["depends_on", name], !isDict(dependency) || dependency.required !== false);
  }
  if (Array.isArray(links)) links.forEach((link, i) => add(String(link).split(":")[0], ["links", i]));
  if (Array.isArray(volumesFrom)) volumesFrom.forEach((from, i) => add(volumesFromService(String(from)), ["volumes_from", i]));
  for (const key of ["network_mode", "ipc", "pid"]) {
    const value = service[key];
    if (typeof value === "string" && value.startsWith("service:")) add(value.slice("service:".length), [key]);
  }
  return refs;
}

/** `NAME[:MODE]` or `service:NAME[:MODE]` names a service; `container:ID` does not. */
function volumesFromService(entry: string): string | undefined {
  if (entry.startsWith("container:")) return undefined;
  return entry.replace(/^service:/, "").split(":")[0];
}

/** `depends_on` without the optional dependencies on disabled services. */
function withoutOptionalDependencies(service: unknown, isDisabled: (name: string) => boolean): unknown {
  if (!isDict(service) || !isDict(service.depends_on)) return service;
  const kept = Object.entries(service.depends_on).filter(([name]) => !isDisabled(name));
  return { ...service, depends_on: Object.fromEntries(kept) };
}
