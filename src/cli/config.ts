// `berth config`: validate the project and print its canonical form, or one facet of it (docker compose config).
import { UserError } from "../compose/errors.js";
import { serviceHash } from "../compose/hash.js";
import type { Project } from "../compose/model.js";
import { listProfiles } from "../compose/profiles.js";
import { load, type GlobalOptions } from "./options.js";
import { emit, lines, render, sortedKeys } from "./output.js";

export interface ConfigOptions {
  format: "yaml" | "json";
  quiet?: boolean;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  hash?: string;
  interpolate: boolean;
  output?: string;
}

export async function configCommand(globals: GlobalOptions, services: string[], options: ConfigOptions): Promise<void> {
  const loaded = load(globals, services, { interpolate: options.interpolate });
  const project = selectServices(loaded.project, services.length > 0 ? loaded.graph.closure(services) : undefined);
  if (options.quiet) return;
  const out = (text: string) => emit(text, options.output);

  if (options.services) return out(lines(Object.keys(project.services).sort()));
  if (options.volumes) return out(lines(Object.keys(project.volumes ?? {}).sort()));
  if (options.networks) return out(lines(Object.keys(project.networks ?? {}).sort()));
  if (options.profiles) return out(lines(listProfiles(loaded.merged)));
  if (options.images) return out(lines(Object.entries(project.services).sort().map(([name, svc]) => svc.image ?? `${project.name}-${name}`)));
  if (options.hash !== undefined) return out(lines(hashes(project, options.hash)));
  const { name, ...rest } = options.interpolate ? project : loaded.merged;
  out(render({ name, ...(sortedKeys(rest) as object) }, options.format)); // name first, as Compose prints it
}

function selectServices(project: Project, names: string[] | undefined): Project {
  if (!names) return project;
  const services = Object.fromEntries(names.map((name) => [name, project.services[name]!]));
  return { ...project, services };
}

function hashes(project: Project, which: string): string[] {
  const names = which === "*" ? Object.keys(project.services).sort() : which.split(",").map((s) => s.trim());
  return names.map((name) => {
    const service = project.services[name];
    if (!service) throw new UserError(`--hash: no such service: ${name}`);
    return `${name} ${serviceHash(service)}`;
  });
}
