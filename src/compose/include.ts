// Top-level `include`: each entry is loaded as a project of its own (its own project directory, its own env files
// for interpolation, its relative paths resolved against its directory), and its services, networks, volumes,
// secrets, configs and models are copied into the including file.
//
// A resource defined both by an include and by the including file, or by two includes, is an error naming both
// (to change an included resource, list an override file in that include's path); identical definitions (one
// file included along two paths) are fine.
//
// Loading is the caller's: `loadIncluded` gets the request below, runs the whole per-project pipeline (which
// calls resolveInclude again for the included files, with `request.chain`), and returns the merged model.
import { dirname, relative, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { UserError, type Loc, type Path } from "./errors.js";
import { isDict } from "./normalize/values.js";
import type { Dict, ParsedFile } from "./parse.js";

export interface IncludeRequest {
  /** the compose files of the included project, absolute, in merge order */
  paths: string[];
  /** absolute: `project_directory`, else the directory of the first file */
  projectDir: string;
  /** absolute env files for its interpolation; empty means the project directory's `.env`, if there is one */
  envFiles: string[];
  /** the files whose include led here, outermost first, ending with the including file */
  chain: string[];
}

export type LoadIncluded = (request: IncludeRequest) => Dict;

export interface Including {
  /** relative include paths are resolved against the including project's directory */
  projectDir: string;
  /** the files whose include led to this one, outermost first; empty for the project's own files */
  chain: readonly string[];
}

/** plural, as the top-level keys; the singular is the key without its final "s" */
const RESOURCE_KINDS = ["services", "networks", "volumes", "secrets", "configs", "models"];

/** The file's data with its includes copied in and the `include` key gone. */
export function resolveInclude(
  file: Pick<ParsedFile, "file" | "data" | "positions">,
  including: Including,
  loadIncluded: LoadIncluded,
): Dict {
  const { include, ...own } = file.data;
  if (!Array.isArray(include)) return file.data;
  const chain = [...including.chain, file.file];
  const imported: Dict = {};
  /** for each imported `kind\0name`, the include entry that brought it */
  const origins = new Map<string, IncludeRequest>();

  include.forEach((entry, index) => {
    const path: Path = ["include", index];
    const where = { loc: file.positions.locate(path), path };
    const request = includeRequest(entry, including.projectDir, chain);
    const loop = request.paths.find((p) => chain.includes(p));
    if (loop) throw new UserError(`include loop: ${describeChain([...chain.slice(chain.indexOf(loop)), loop], chain[0]!)}`, where);

    const model = loadIncludedAt(loadIncluded, request, where);
    for (const kind of RESOURCE_KINDS) {
      if (!isDict(model[kind])) continue;
      const into = (imported[kind] ??= {}) as Dict;
      for (const [name, definition] of Object.entries(model[kind])) {
        const key = `${kind}\0${name}`;
        const earlier = origins.get(key);
        if (earlier && !isDeepStrictEqual(into[name], definition)) {
          const files = [earlier, request].map((r) => r.paths.map((p) => relative(including.projectDir, p)).join(" + "));
          throw new UserError(`${kind.slice(0, -1)} "${name}" is defined differently by the included ${files[0]} and ${files[1]}`, where);
        }
        into[name] = definition;
        origins.set(key, request);
      }
    }
  });
  return withImported(own, imported, origins, file, including.projectDir);
}

/** A file of the include that cannot be read is reported where the include names it. */
function loadIncludedAt(loadIncluded: LoadIncluded, request: IncludeRequest, where: { loc?: Loc; path: Path }): Dict {
  try {
    return loadIncluded(request);
  } catch (err) {
    if (err instanceof UserError && !err.loc) throw new UserError(err.detail, where);
    throw err;
  }
}

function withImported(own: Dict, imported: Dict, origins: Map<string, IncludeRequest>, file: Pick<ParsedFile, "positions">, projectDir: string): Dict {
  const result: Dict = { ...own };
  for (const [kind, definitions] of Object.entries(imported)) {
    const mine = isDict(own[kind]) ? own[kind] : {};
    for (const [name, definition] of Object.entries(definitions as Dict)) {
      if (name in mine && !isDeepStrictEqual(mine[name], definition)) {
        const from = origins.get(`${kind}\0${name}`)!.paths.map((p) => relative(projectDir, p)).join(" + ");
        const path = [kind, name];
        throw new UserError(`conflicts with the ${kind.slice(0, -1)} "${name}" included from ${from} (to change it, add an override file to that include's path list)`, { loc: file.positions.locate(path), path });
      }
    }
    result[kind] = { ...(definitions as Dict), ...mine };
  }
  return result;
}

/** Short syntax is a path; long syntax `{path, project_directory, env_file}`, paths relative to the including project. */
function includeRequest(entry: unknown, baseDir: string, chain: string[]): IncludeRequest {
  const long = isDict(entry) ? entry : { path: entry };
  const paths = asList(long.path).map((p) => resolve(baseDir, p));
  const projectDir = typeof long.project_directory === "string" ? resolve(baseDir, long.project_directory) : dirname(paths[0]!);
  const envFiles = asList(long.env_file).map((p) => resolve(baseDir, p));
  return { paths, projectDir, envFiles, chain };
}

function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

function describeChain(files: string[], root: string): string {
  return files.map((file) => relative(dirname(root), file)).join(" -> ");
}
