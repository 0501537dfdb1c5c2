// Builds a compose service's image on the engine (POST /build, the classic builder): the context directory sent
// as a tar, with the user's credentials for the registries its base images come from (the engine pulls those it
// lacks), the image tagged with the service's image name and build.tags. Used by `berth build` and `up`.
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join, posix } from "node:path";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { pack, type Pack } from "tar-stream";
import { UserError } from "../compose/errors.js";
import type { BuildConfig, Service } from "../compose/model.js";
import { baseImageNames } from "../runtime/build/base-names.js";
import { IgnoreRules } from "../runtime/build/patterns.js";
import { follow } from "./engine-stream.js";
import { loginFor } from "./registry-auth.js";

export interface ServiceBuild {
  service: string;
  config: Service;
  /** the name the image is tagged with (desired.ts serviceImage) */
  image: string;
  noCache?: boolean;
  pull?: boolean;
  /** --build-arg values, over the compose file's build.args */
  args?: Record<string, string>;
  /** the builder's output (`Step 1/3 : FROM busybox`...) */
  output?: (text: string) => void;
}

/** Where dockerfile_inline goes in the context sent: a name no real context is likely to use. */
const INLINE_DOCKERFILE = ".berth-inline.Dockerfile";

export async function buildServiceImage(docker: Docker, request: ServiceBuild): Promise<void> {
  const build = request.config.build as BuildConfig;
  if (/^[a-z]+:\/\//.test(build.context) || build.context.startsWith("git@")) {
    throw new UserError(`services.${request.service}.build.context: berth builds only local directories, not ${build.context}`);
  }
  const args = { ...Object.fromEntries(Object.entries(build.args ?? {}).filter((e): e is [string, string] => e[1] !== null)), ...request.args };
  const dockerfile = build.dockerfile_inline !== undefined ? INLINE_DOCKERFILE : (build.dockerfile ?? "Dockerfile");
  const registryconfig = await baseRegistryConfig(build.dockerfile_inline ?? readDockerfile(build.context, dockerfile), args);
  const stream = await docker.buildImage(contextTar(build.context, dockerfile, build.dockerfile_inline) as unknown as NodeJS.ReadableStream, {
    t: [request.image, ...(build.tags ?? [])],
    dockerfile,
    buildargs: args,
    labels: build.labels ?? {},
    ...(build.target && { target: build.target }),
    nocache: request.noCache || build.no_cache || false,
    pull: request.pull || build.pull || false,
    ...(Object.keys(registryconfig).length > 0 && { registryconfig }),
  } as unknown as Docker.ImageBuildOptions);
  await followBuild(stream, request.output);
}

/** The Dockerfile's text; undefined when it cannot be read (the engine says so in its own words). */
function readDockerfile(context: string, dockerfile: string): string | undefined {
  try {
    return readFileSync(join(context, dockerfile), "utf8");
  } catch {
    return undefined;
  }
}

/** X-Registry-Config: config.json's credentials for each registry the Dockerfile's FROM and --from images are on. */
async function baseRegistryConfig(dockerfile: string | undefined, args: Record<string, string>): Promise<Docker.RegistryConfig> {
  let names: string[];
  try {
    names = dockerfile === undefined ? [] : baseImageNames(dockerfile, args);
  } catch {
    return {}; // a Dockerfile the builder will refuse, naming the line
  }
  const config: Docker.RegistryConfig = {};
  for (const name of new Set(names)) {
    const login = await loginFor(name);
    if (login) config[login.serveraddress] = { username: login.username, password: login.password };
  }
  return config;
}

/**
 * Reads the builder's JSON stream to its end, failing with the error it reports (which names the Dockerfile
 * line). A base image's pull shows as `docker pull` shows it without a terminal: its status lines, not its bars.
 */
async function followBuild(stream: NodeJS.ReadableStream, output: ((text: string) => void) | undefined): Promise<void> {
  await follow(stream, (message) => {
    if (message.stream) output?.(message.stream);
    else if (message.status && message.progressDetail?.total === undefined) output?.(`${message.id ? `${message.id}: ` : ""}${message.status}\n`);
  });
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
