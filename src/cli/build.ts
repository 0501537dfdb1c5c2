// `berth build [SERVICE...]`: builds the services that have a `build:` section on the engine (POST /build, the
// classic builder), tagging each image with the service's `image:` (default `<project>-<service>`) and build.tags.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, posix } from "node:path";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { pack, type Pack } from "tar-stream";
import { UserError } from "../compose/errors.js";
import type { BuildConfig } from "../compose/model.js";
import { engine } from "../engine/client.js";
import { IgnoreRules } from "../runtime/build/patterns.js";
import { load, type GlobalOptions } from "./options.js";

export interface BuildOptions {
  noCache?: boolean;
  pull?: boolean;
  quiet?: boolean;
  buildArg: string[];
}

/** Where dockerfile_inline goes in the context sent: a name no real context is likely to use. */
const INLINE_DOCKERFILE = ".berth-inline.Dockerfile";

export async function buildCommand(globals: GlobalOptions, services: string[], options: BuildOptions): Promise<void> {
  const loaded = load(globals, services);
  const selected = (services.length > 0 ? services : Object.keys(loaded.project.services)).filter((name) => loaded.project.services[name]?.build);
  if (services.length > 0 && selected.length === 0) throw new UserError(`none of the services ${services.join(", ")} has a build section`);
  const docker = await engine({ host: globals.host });
  for (const name of selected) {
    const service = loaded.project.services[name]!;
    const build = service.build as BuildConfig;
    if (/^[a-z]+:\/\//.test(build.context) || build.context.startsWith("git@")) {
      throw new UserError(`services.${name}.build.context: berth builds only local directories, not ${build.context}`);
    }
    const image = service.image ?? `${loaded.name}-${name}`;
    const args = { ...Object.fromEntries(Object.entries(build.args ?? {}).filter((e): e is [string, string] => e[1] !== null)), ...cliArgs(options.buildArg) };
    const dockerfile = build.dockerfile_inline !== undefined ? INLINE_DOCKERFILE : (build.dockerfile ?? "Dockerfile");
    const stream = await docker.buildImage(contextTar(build.context, dockerfile, build.dockerfile_inline) as unknown as NodeJS.ReadableStream, {
      t: [image, ...(build.tags ?? [])],
      dockerfile,
      buildargs: args,
      labels: build.labels ?? {},
      ...(build.target && { target: build.target }),
      nocache: options.noCache || build.no_cache || false,
      pull: options.pull || build.pull || false,
    } as unknown as Docker.ImageBuildOptions);
    if (!options.quiet) process.stderr.write(`Building ${name}\n`);
    await followBuild(stream, options.quiet ?? false);
  }
}

/** `--build-arg NAME=VALUE`, or `NAME` for the value in berth's own environment. */
function cliArgs(specs: string[]): Record<string, string> {
  const args: Record<string, string> = {};
  for (const spec of specs) {
    const at = spec.indexOf("=");
    const name = at < 0 ? spec : spec.slice(0, at);
    const value = at < 0 ? process.env[name] : spec.slice(at + 1);
    if (value !== undefined) args[name] = value;
  }
  return args;
}

async function followBuild(stream: NodeJS.ReadableStream, quiet: boolean): Promise<void> {
  let pending = "";
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines.filter((l) => l.trim() !== "")) {
      const message = JSON.parse(line) as { stream?: string; error?: string };
      if (message.error) throw new UserError(message.error);
      if (message.stream && !quiet) process.stdout.write(message.stream);
    }
  }
}

/**
 * The context directory as a tar (files, directories, symlinks), with the inline Dockerfile added when there is
 * one. What .dockerignore excludes is not sent, except the Dockerfile and .dockerignore, which the builder reads.
 */
export function contextTar(dir: string, dockerfile: string, inline: string | undefined): Readable {
  const tar = pack();
  const always = [posix.normalize(dockerfile), `${posix.normalize(dockerfile)}.dockerignore`, ".dockerignore"];
  const ignore = new IgnoreRules(readIgnoreFile(dir, always.slice(1)));
  const needed = (relative: string) => always.some((path) => path === relative || path.startsWith(`${relative}/`));
  const add = (relative: string) => {
    if (relative !== "" && ignore.ignores(relative) && !needed(relative)) return;
    const path = join(dir, relative);
    const stats = lstatSync(path);
    const header = { name: relative, mode: stats.mode & 0o7777, mtime: stats.mtime, uid: stats.uid, gid: stats.gid };
    if (stats.isDirectory()) {
      if (relative !== "") tar.entry({ ...header, name: `${relative}/`, type: "directory" });
      for (const child of readdirSync(path).sort()) add(relative === "" ? child : `${relative}/${child}`);
    } else if (stats.isSymbolicLink()) {
      tar.entry({ ...header, type: "symlink", linkname: readlinkSync(path) });
    } else if (stats.isFile()) {
      tar.entry({ ...header, type: "file" }, readFileSync(path));
    }
  };
  try {
    add("");
  } catch (err) {
    throw new UserError(`cannot read the build context ${dir}: ${(err as Error).message}`);
  }
  if (inline !== undefined) (tar as Pack).entry({ name: INLINE_DOCKERFILE, mode: 0o644 }, inline);
  tar.finalize();
  return tar as unknown as Readable;
}

/** The first of `names` that exists (the Dockerfile's own .dockerignore wins, as in the builder). */
function readIgnoreFile(dir: string, names: string[]): string {
  for (const name of names) {
    try {
      return readFileSync(join(dir, name), "utf8");
    } catch {
      // the next one
    }
  }
  return "";
}
