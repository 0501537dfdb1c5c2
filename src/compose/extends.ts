// `extends`: a service starts from a copy of another one (in the same file or another file), with its own
// definition merged on top by the usual merge rules, honouring its `!reset` / `!override` marks. A base
// service that extends another is resolved first. Relative paths of a base taken from another file are
// made absolute against that file's directory, since they were written relative to it.
import { basename, dirname, relative, resolve } from "node:path";
import { UserError, type Loc, type Path } from "./errors.js";
import { mergeService, type Marks } from "./merge.js";
import { isDict } from "./normalize/values.js";
import type { Dict, ParsedFile } from "./parse.js";
import { resolvePaths } from "./paths.js";

/** Reads a base file by absolute path: interpolated and validated, not yet extends-resolved. */
export type LoadFile = (absPath: string) => ParsedFile;

/** Replaces `file.data.services` with services whose `extends` is resolved. */
export function resolveExtends(file: ParsedFile, loadFile: LoadFile, home: string): void {
  const services = file.data.services;
  if (!isDict(services)) return;
  const resolver = new ExtendsResolver(loadFile, home);
  const resolved = Object.fromEntries(Object.keys(services).map((name) => [name, resolver.service({ file, name }, [])]));
  file.data = { ...file.data, services: resolved };
}

/** A service of a file: one link of an extends chain. */
interface Hop {
  file: ParsedFile;
  name: string;
}

class ExtendsResolver {
  private readonly done = new Map<string, unknown>();

  constructor(
    private readonly loadFile: LoadFile,
    private readonly home: string,
  ) {}

  service(hop: Hop, chain: Hop[]): unknown {
    const key = JSON.stringify([hop.file.file, hop.name]);
    if (!this.done.has(key)) this.done.set(key, this.resolve(hop, chain));
    return this.done.get(key);
  }

  private resolve(hop: Hop, chain: Hop[]): unknown {
    const local = (hop.file.data.services as Dict)[hop.name];
    if (!isDict(local) || local.extends === undefined) return local;
    if (chain.some((link) => link.file.file === hop.file.file && link.name === hop.name)) {
      const referrer = chain[chain.length - 1]!;
      throw new UserError(`extends loop: ${describeChain([...chain, hop])}`, extendsAt(referrer));
    }

    const long = typeof local.extends !== "string";
    const ref = long ? (local.extends as { service: string; file?: string }) : { service: local.extends as string };
    const baseFile = ref.file === undefined ? hop.file : this.load(resolve(dirname(hop.file.file), ref.file), extendsAt(hop, "file"));
    if (!isDict(baseFile.data.services) || !Object.hasOwn(baseFile.data.services, ref.service)) {
      throw new UserError(`service "${ref.service}" not found in ${ref.file ?? basename(hop.file.file)}`, extendsAt(hop, long ? "service" : undefined));
    }
    let base = structuredClone(this.service({ file: baseFile, name: ref.service }, [...chain, hop])) as Dict;
    if (baseFile.file !== hop.file.file) {
      base = (resolvePaths({ services: { base } }, dirname(baseFile.file), this.home).services as Dict).base as Dict;
    }
    const own = { ...local };
    delete own.extends;
    return mergeService(base, own, marksOf(hop));
  }

  /** A base file that cannot be read is reported where `extends` names it. */
  private load(absPath: string, at: Where): ParsedFile {
    try {
      return this.loadFile(absPath);
    } catch (err) {
      if (err instanceof UserError && !err.loc) throw new UserError(err.detail, at);
      throw err;
    }
  }
}

interface Where {
  loc?: Loc;
  path: Path;
}

/** Where `extends` (or its `file` / `service` key, in the long form) is written. */
function extendsAt(hop: Hop, key?: "file" | "service"): Where {
  const path = ["services", hop.name, "extends", ...(key ? [key] : [])];
  return { loc: hop.file.positions.locate(path), path };
}

/** The service's own `!reset` / `!override` marks, relative to the service. */
function marksOf(hop: Hop): Marks {
  const prefix = ["services", hop.name];
  const within = (paths: readonly Path[]) =>
    paths.filter((path) => prefix.every((part, i) => path[i] === part)).map((path) => path.slice(prefix.length));
  return { resets: within(hop.file.resets), overrides: within(hop.file.overrides) };
}

/** `web -> base -> web`; services of other files than the first are named with their file. */
function describeChain(chain: Hop[]): string {
  const first = chain[0]!.file.file;
  return chain
    .map((hop) => (hop.file.file === first ? hop.name : `${hop.name} (${relative(dirname(first), hop.file.file)})`))
    .join(" -> ");
}
