// The loader pipeline: files → parse → interpolate → validate → extends → include → merge → paths → profiles
// → normalise → check → graph. Each step is its own module; this file only wires them and tracks positions.
import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { findComposeFiles, projectDirectory, STDIN } from "./discovery.js";
import type { Lookup } from "./dotenv.js";
import { lookupIn, readEnvFiles, type Environment } from "./environment.js";
import { UserError, type Loc, type Path, type Warn } from "./errors.js";
import { resolveExtends } from "./extends.js";
import { resolveInclude, type IncludeRequest } from "./include.js";
import { interpolateFile } from "./interpolate.js";
import { mergeFile } from "./merge.js";
import type { Project } from "./model.js";
import { normalize } from "./normalize.js";
import { check } from "./check.js";
import { checkSize, parseCompose, type Dict, type ParsedFile } from "./parse.js";
import { resolvePaths } from "./paths.js";
import { applyProfiles, listProfiles } from "./profiles.js";
import { projectName } from "./project-name.js";
import { validateSchema } from "./validate.js";
import { buildGraph, type Graph } from "../plan/graph.js";

export interface LoadOptions {
  cwd: string;
  /** `-f` values; empty means COMPOSE_FILE, then discovery */
  files: string[];
  projectName?: string;
  projectDirectory?: string;
  envFiles: string[];
  profiles: string[];
  /** services named on the command line: they enable their profiles */
  services: string[];
  shell: Environment;
  /** false for `config --no-interpolate`: variables are left as written (use loadModel: values are not normalised) */
  interpolate?: boolean;
  readStdin?: () => string;
  warn: Warn;
}

/** The merged files with profiles applied, before normalisation (what `config --no-interpolate` prints). */
export interface LoadedModel {
  name: string;
  /** the merged compose dict, `name` set to the project name, services of disabled profiles left out */
  merged: Dict;
  /** every profile the files name, enabled or not */
  profiles: string[];
  projectDir: string;
  configFiles: string[];
  lookup: Lookup;
  locate: (path: Path) => Loc | undefined;
}

export interface LoadedProject extends LoadedModel {
  project: Project;
  graph: Graph;
}

export function loadProject(options: LoadOptions): LoadedProject {
  const model = loadModel(options);
  const { name, projectDir, lookup, locate } = model;
  const project = normalize(model.merged, { projectName: name, projectDir, lookup, readFile: (path) => readFileSync(path, "utf8"), locate, warn: options.warn });
  check(project, { locate, warn: options.warn });
  const graph = buildGraph(project.services, locate);
  return { ...model, project, graph };
}

export function loadModel(options: LoadOptions): LoadedModel {
  const early = readEnvFiles({ cwd: options.cwd, projectDir: options.projectDirectory ?? options.cwd, envFiles: options.envFiles, shell: options.shell });
  const earlyLookup = lookupIn(options.shell, early);
  const configFiles = findComposeFiles({
    cwd: options.cwd,
    projectDirectory: options.projectDirectory,
    files: options.files,
    composeFile: earlyLookup("COMPOSE_FILE"),
    pathSeparator: earlyLookup("COMPOSE_PATH_SEPARATOR"),
  });
  const projectDir = projectDirectory(options.cwd, configFiles, options.projectDirectory);
  const fileVars = readEnvFiles({ cwd: options.cwd, projectDir, envFiles: options.envFiles, shell: options.shell });
  const lookup = lookupIn(options.shell, fileVars);

  const reader = new Reader(options, options.interpolate === false ? undefined : lookup);
  const merged = reader.loadModel(configFiles, projectDir, []);
  const locate = (path: Path) => reader.locate(path);

  const topName = typeof merged.name === "string" ? { value: merged.name, get loc() { return locate(["name"]); } } : undefined;
  const name = projectName({ flag: options.projectName, env: lookup("COMPOSE_PROJECT_NAME"), topLevel: topName, projectDir });
  const profiles = options.profiles.length > 0 ? options.profiles : splitList(lookup("COMPOSE_PROFILES"));
  const enabled = applyProfiles(merged, profiles, options.services, locate);
  return { name, merged: { ...enabled, name }, profiles: listProfiles(merged), projectDir, configFiles, lookup, locate };
}

/** Reads, interpolates and validates compose files, and remembers every document so errors can be located. */
class Reader {
  private readonly cache = new Map<string, ParsedFile>();
  private readonly home = homedir();

  /** `documents` is shared with the readers of included projects, so their errors are located too. */
  constructor(
    private readonly options: LoadOptions,
    private readonly lookup: Lookup | undefined,
    private readonly documents: ParsedFile[] = [],
  ) {}

  /** Several files merged in order, with extends and include resolved and relative paths made absolute. */
  loadModel(files: string[], projectDir: string, chain: string[]): Dict {
    const documents = files.flatMap((file) => this.read(file));
    let merged: Dict = {};
    for (const doc of documents) {
      resolveExtends(doc, (path) => this.readOne(path), this.home);
      doc.data = resolveInclude(doc, { projectDir, chain }, (request) => {
        return new Reader(this.options, this.includedLookup(request), this.documents).loadModel(request.paths, request.projectDir, request.chain);
      });
      merged = mergeFile(merged, doc);
    }
    return resolvePaths(merged, projectDir, this.home);
  }

  /** An included project sees its own env files, under the including project's variables (which win, as in compose-go). */
  private includedLookup(request: IncludeRequest): Lookup | undefined {
    const outer = this.lookup;
    if (!outer) return undefined;
    const own = readEnvFiles({ cwd: this.options.cwd, projectDir: request.projectDir, envFiles: request.envFiles, shell: this.options.shell });
    return (name) => outer(name) ?? own[name];
  }

  /** A base file of `extends`: read once, its single document. */
  private readOne(path: string): ParsedFile {
    let doc = this.cache.get(path);
    if (!doc) {
      doc = this.read(path)[0]!;
      this.cache.set(path, doc);
    }
    return doc;
  }

  private read(file: string): ParsedFile[] {
    const text = file === STDIN ? (this.options.readStdin ?? (() => readFileSync(0, "utf8")))() : readText(file);
    const documents = parseCompose(file === STDIN ? "<stdin>" : file, text);
    for (const doc of documents) {
      if (this.lookup) interpolateFile(doc, this.lookup, this.options.warn);
      validateSchema(doc);
      if ("version" in doc.data) {
        this.options.warn({ message: "the attribute `version` is obsolete and ignored; remove it", loc: doc.positions.locate(["version"]), path: ["version"] });
      }
      this.documents.push(doc);
    }
    return documents;
  }

  /** The document that spells out most of `path` (the later one on a tie: later files override), at that depth. */
  locate(path: Path): Loc | undefined {
    let best: { depth: number; loc: Loc | undefined } = { depth: -1, loc: undefined };
    for (let i = this.documents.length - 1; i >= 0; i--) {
      const doc = this.documents[i]!;
      const spelled = asSpelled(doc.data, path);
      for (let n = spelled.length; n > best.depth; n--) {
        if (doc.positions.has(spelled.slice(0, n))) {
          best = { depth: n, loc: doc.positions.locate(spelled.slice(0, n)) };
          break;
        }
      }
    }
    return best.loc;
  }
}

/**
 * `path` as a document spells it: later steps name list-form entries by key (`depends_on.db` for `depends_on: [db]`,
 * `environment.A` for `- A=1`), the document by index.
 */
function asSpelled(data: unknown, path: Path): Path {
  const spelled: (string | number)[] = [];
  let node = data;
  for (const part of path) {
    let step: string | number = part;
    if (Array.isArray(node) && typeof part === "string") {
      const index = node.findIndex((item) => item === part || (typeof item === "string" && /^[=:]/.test(item.slice(part.length)) && item.startsWith(part)));
      if (index >= 0) step = index;
    }
    spelled.push(step);
    node = node !== null && typeof node === "object" ? (node as Record<string | number, unknown>)[step] : undefined;
  }
  return spelled;
}

function readText(file: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    throw new UserError(`compose file not found: ${file}`);
  }
  checkSize(file, size);
  return readFileSync(file, "utf8");
}

function splitList(value: string | undefined): string[] {
  return (value ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

