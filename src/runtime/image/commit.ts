// `docker commit`: a container's changes (its upper dir, without berthd's generated files and its mounts) become
// one new layer on the container's image. The new config is the container's, with the `changes` (Dockerfile
// instructions) applied and what they leave empty taken from the container, as dockerd merges them; the history
// gets one entry. A running container is frozen while its upper dir is read, unless `pause` is off.
import { layerTar } from "../build/layer.js";
import { SubstitutionError, type Variables } from "../build/lexer.js";
import { applyMetadata, InstructionError, type StageConfig } from "../build/metadata.js";
import { DockerfileError, parseDockerfile } from "../build/parser.js";
import { containerChanges, mountedPaths } from "../container/changes.js";
import { mergeHealthcheck } from "../container/config.js";
import type { Container, ContainerService } from "../container/lifecycle.js";
import type { ImageConfig, RunConfig } from "./config.js";
import { conflict, invalid } from "./errors.js";
import { normalizeTag } from "./reference.js";
import type { ImageStore } from "./store.js";

export interface CommitRequest {
  /** The container's id or name. */
  container: string;
  /** `repo[:tag]` (or repo and tag apart) to tag the new image with; none leaves it untagged. */
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  pause: boolean;
  /** Dockerfile instructions, one each: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR. */
  changes: string[];
  /** The request body's config; undefined: the container's. */
  config?: RunConfig;
}

export interface Committed {
  id: string;
  container: Container;
  /** The tag given, normalised (`name:tag`). */
  tag?: string;
}

/** The instructions dockerd accepts as commit changes. */
const CHANGE_INSTRUCTIONS = new Set(["CMD", "ENTRYPOINT", "ENV", "EXPOSE", "HEALTHCHECK", "LABEL", "ONBUILD", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"]);

/** The image-config part of a container's Config. */
const RUN_CONFIG_FIELDS = [
  "User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels", "StopSignal", "Healthcheck", "ArgsEscaped", "OnBuild", "Shell",
] as const;

/** The other fields of a container's Config: a body naming only them is still a config to dockerd. */
const OTHER_CONFIG_FIELDS = ["Hostname", "Domainname", "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce", "Image", "NetworkDisabled", "MacAddress", "StopTimeout"];

export async function commitContainer(containers: ContainerService, images: ImageStore, request: CommitRequest): Promise<Committed> {
  if (!request.container) throw invalid("commit needs a container: POST /commit?container=ID|NAME");
  const c = containers.get(request.container);
  const tag = request.repo ? normalizeTag(request.tag ? `${request.repo}:${request.tag}` : request.repo) : undefined;
  const status = c.record.State.Status;
  if (status === "dead") throw conflict(`You cannot commit container ${c.id} which is Dead`);
  if (status === "removing") throw conflict(`You cannot commit container ${c.id} which is being removed`);
  const own = runConfigOf(c.record.Config);
  const config = mergeCommitConfig(applyChanges(request.config ?? own, request.changes), own);
  const parent = c.record.Image;
  const base = await images.config(parent);

  const paused = request.pause && status === "running" && (await freeze(containers, c));
  // Thawed once the upper dir is read, not when the layer is unpacked too; an error surfaces in the finally.
  let thawing: Promise<void> | undefined;
  const release = () => (thawing ??= paused ? thaw(containers, c) : Promise.resolve());
  try {
    const rootfs = images.rootfs(parent);
    const excluded = mountedPaths(c.record, rootfs.binds);
    const changed = containerChanges(c.paths.upper, rootfs.lowerDirs, excluded).length > 0;
    const created = new Date().toISOString();
    const image: Omit<ImageConfig, "rootfs"> = {
      architecture: base.architecture,
      os: base.os,
      ...(base.variant !== undefined && { variant: base.variant }),
      ...(base["os.version"] !== undefined && { "os.version": base["os.version"] }),
      created,
      ...(request.author && { author: request.author }),
      ...(request.comment && { comment: request.comment }),
      config,
      history: [
        ...(base.history ?? []),
        {
          created,
          created_by: (c.record.Config.Cmd ?? []).join(" "),
          ...(request.author && { author: request.author }),
          ...(request.comment && { comment: request.comment }),
          ...(!changed && { empty_layer: true }),
        },
      ],
    };
    // No change, no layer: the image shares its parent's layers, as dockerd does for an empty diff.
    const layer = changed ? layerTar(c.paths.upper, excluded) : undefined;
    layer?.once("end", () => void release().catch(() => undefined));
    const { id } = await images.addBuilt({ parent, layer, config: image, tags: tag ? [tag] : [] });
    return { id, container: c, ...(tag && { tag }) };
  } finally {
    await release();
  }
}

/** Pauses `c`; false when it stopped meanwhile, so that there is nothing to freeze. */
async function freeze(containers: ContainerService, c: Container): Promise<boolean> {
  try {
    await containers.pause(c.id);
    return true;
  } catch (err) {
    if (c.running) throw err;
    return false;
  }
}

/** Unpauses `c`, unless a stop or kill meanwhile already did (they thaw a paused container). */
async function thaw(containers: ContainerService, c: Container): Promise<void> {
  try {
    await containers.unpause(c.id);
  } catch (err) {
    if (c.record.State.Status === "paused") throw err;
  }
}

/**
 * The commit body's Config as dockerd decodes it: field names match case-insensitively and others are ignored; a
 * body that names no Config field at all (dockerode sends its query options as the body) is no config, and the
 * container's own is used.
 */
export function bodyConfig(body: unknown): RunConfig | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const byName = new Map(Object.entries(body).map(([name, value]) => [name.toLowerCase(), value as unknown]));
  if (![...RUN_CONFIG_FIELDS, ...OTHER_CONFIG_FIELDS].some((field) => byName.has(field.toLowerCase()))) return undefined;
  const config: RunConfig = {};
  for (const field of RUN_CONFIG_FIELDS) if (byName.get(field.toLowerCase()) !== undefined) Object.assign(config, { [field]: byName.get(field.toLowerCase()) });
  return config;
}

export function runConfigOf(config: RunConfig): RunConfig {
  const picked: RunConfig = {};
  for (const field of RUN_CONFIG_FIELDS) if (config[field] !== undefined) Object.assign(picked, { [field]: structuredClone(config[field]) });
  return picked;
}

/** Applies the change instructions to a copy of `config`; an instruction commit does not take, or a bad one, is an error. */
export function applyChanges(config: RunConfig, changes: string[]): RunConfig {
  const stage: StageConfig = { config: structuredClone(config), cmdSet: false };
  for (const change of changes) {
    const keyword = change.trim().split(/\s/, 1)[0]!;
    if (keyword === "" || keyword.startsWith("#")) continue;
    if (!CHANGE_INSTRUCTIONS.has(keyword.toUpperCase())) throw invalid(`${keyword.toLowerCase()} is not a valid change command`);
    try {
      for (const i of parseDockerfile(change, "change").instructions) {
        if (!CHANGE_INSTRUCTIONS.has(i.keyword)) throw new InstructionError(`${i.keyword.toLowerCase()} is not a valid change command`);
        applyMetadata(i, stage, variables(stage.config), "\\");
      }
    } catch (err) {
      if (err instanceof DockerfileError) throw invalid(`invalid change ${JSON.stringify(change)}: ${err.message.replace(/^change:\d+: /, "")}`);
      if (err instanceof InstructionError || err instanceof SubstitutionError) throw invalid(`invalid change ${JSON.stringify(change)}: ${err.message}`);
      throw err;
    }
  }
  return stage.config;
}

/** What a change sees of `$NAME`: the config's Env. */
function variables(config: RunConfig): Variables {
  const vars = new Map<string, string>();
  for (const entry of config.Env ?? []) {
    const at = entry.indexOf("=");
    vars.set(at < 0 ? entry : entry.slice(0, at), at < 0 ? "" : entry.slice(at + 1));
  }
  return vars;
}

const envName = (entry: string) => entry.split("=", 1)[0]!;
const isEmpty = (value: object | null | undefined) => value === null || value === undefined || Object.keys(value).length === 0;

/** dockerd's merge of the commit's config with the container's: what `user` leaves empty comes from `container`. */
export function mergeCommitConfig(user: RunConfig, container: RunConfig): RunConfig {
  const merged: RunConfig = { ...user };
  if (!user.User) merged.User = container.User;
  if (isEmpty(user.ExposedPorts)) merged.ExposedPorts = container.ExposedPorts;
  else merged.ExposedPorts = { ...container.ExposedPorts, ...user.ExposedPorts };
  // The commit's variables first, then the container's it does not set.
  const named = new Set((user.Env ?? []).map(envName));
  merged.Env = user.Env?.length ? [...user.Env, ...(container.Env ?? []).filter((entry) => !named.has(envName(entry)))] : container.Env;
  merged.Labels = { ...container.Labels, ...user.Labels };
  if (!user.Entrypoint?.length) {
    if (!user.Cmd?.length) {
      merged.Cmd = container.Cmd;
      merged.ArgsEscaped = container.ArgsEscaped;
    }
    // An empty entrypoint the changes set stays empty; only a missing one is the container's.
    if (user.Entrypoint === undefined || user.Entrypoint === null) merged.Entrypoint = container.Entrypoint;
  }
  if (container.Healthcheck) merged.Healthcheck = mergeHealthcheck(user.Healthcheck, container.Healthcheck);
  if (!user.WorkingDir) merged.WorkingDir = container.WorkingDir;
  merged.Volumes = isEmpty(user.Volumes) ? container.Volumes : { ...user.Volumes, ...container.Volumes };
  if (!user.StopSignal) merged.StopSignal = container.StopSignal;
  for (const field of RUN_CONFIG_FIELDS) if (merged[field] === undefined) delete merged[field];
  return merged;
}
