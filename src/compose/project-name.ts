// The project name: `-p` > COMPOSE_PROJECT_NAME > top-level `name:` > the project directory's name, normalised.
import { basename } from "node:path";
import { UserError, type Loc } from "./errors.js";

const VALID = /^[a-z0-9][a-z0-9_-]*$/;

export interface NameSources {
  flag?: string;
  env?: string;
  /** the top-level `name:` after interpolation, with where it was written */
  topLevel?: { value: string; loc?: Loc };
  projectDir: string;
}

export function projectName(sources: NameSources): string {
  if (sources.flag !== undefined) return checked(sources.flag, "-p/--project-name");
  if (sources.env) return checked(sources.env, "COMPOSE_PROJECT_NAME");
  if (sources.topLevel) return checked(sources.topLevel.value, "name", sources.topLevel);
  const derived = normalizeName(basename(sources.projectDir));
  if (derived === "") {
    throw new UserError(`cannot derive a project name from the directory "${sources.projectDir}": set one with -p or a top-level name:`);
  }
  return derived;
}

/** Lower-case, keep only [a-z0-9_-], strip leading "_" and "-" (as Compose derives a name from a directory). */
export function normalizeName(raw: string): string {
  return raw.toLowerCase().replace(/[^a-z0-9_-]/g, "").replace(/^[_-]+/, "");
}

/** `where.loc` is read only for an invalid name: working out a position may mean parsing the file again. */
function checked(name: string, source: string, where?: { loc?: Loc }): string {
  if (VALID.test(name)) return name;
  const loc = where?.loc;
  const detail = `invalid project name "${name}": use only lower-case letters, digits, "-" and "_", starting with a letter or digit`;
  throw new UserError(source === "name" ? detail : `${source}: ${detail}`, loc ? { loc, path: ["name"] } : {});
}
