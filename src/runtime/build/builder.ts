// The Dockerfile builder, Docker's classic one on berth's runtime: each stage starts from an image (one stored or
// pulled from its registry, berth/host, an earlier stage, or scratch), and each instruction makes a new image.
// RUN runs in a container (the stage's env, user, workdir and shell, on the default bridge) and COPY/ADD extract
// into a container that never starts; the container's upper dir becomes the new layer. A step whose parent, instruction and input
// files are unchanged reuses the image it made before (the build cache).
import { readFileSync, realpathSync, statSync } from "node:fs";
import { join, posix } from "node:path";
import { PassThrough } from "node:stream";
import type { Container, ContainerService } from "../container/lifecycle.js";
import { extractIntoContainer, packFromContainer, type ArchiveSources } from "../container/archive.js";
import { entryAt, resolveInRoot } from "../container/merged-view.js";
import { resolveIdentity } from "../container/user.js";
import { streamLogs } from "../container/logs.js";
import type { ImageConfig, RunConfig } from "../image/config.js";
import { shortId } from "../image/digest.js";
import { hostArchitecture } from "../image/platform.js";
import type { Credentials } from "../image/registry/credentials.js";
import type { RegistryConfig } from "../image/registry/hosts.js";
import type { ProgressSink } from "../image/registry/progress.js";
import type { ImageStore } from "../image/store.js";
import type { VolumeStore } from "../volume/store.js";
import { BaseImages } from "./base-images.js";
import { BuildCache } from "./cache.js";
import {
  archiveEntries, contextEntries, CopyError, entriesDigest, entriesTar, isArchive, matchContext, place, tarEntries, withMode,
  type CopyEntry, type Ownership,
} from "./copy.js";
import { processWord, processWords, SubstitutionError, type Variables } from "./lexer.js";
import { applyMetadata, commandOf, DEFAULT_SHELL, InstructionError, METADATA, type StageConfig } from "./metadata.js";
import { DockerfileError, parseDockerfile, type Dockerfile, type Instruction } from "./parser.js";
import { layerTar } from "./layer.js";
import { IgnoreRules } from "./patterns.js";

export interface BuildServices {
  images: ImageStore;
  containers: ContainerService;
  volumes: VolumeStore;
  cache: BuildCache;
  /** Where base images the engine lacks are pulled from. */
  registry: RegistryConfig;
}

export interface BuildRequest {
  /** The context directory (the client's tar, extracted). */
  context: string;
  /** The Dockerfile's path in the context. */
  dockerfile: string;
  tags: string[];
  buildArgs: Record<string, string>;
  target?: string;
  labels: Record<string, string>;
  noCache: boolean;
  /** Remove RUN containers after a successful step (default), and after a failed one (forcerm). */
  remove: boolean;
  forceRemove: boolean;
  /** Pull every base image, even one the engine has (docker build --pull). */
  pull: boolean;
  /** Credentials for pulling base images, by registry domain (X-Registry-Config). */
  credentials: Map<string, Credentials>;
}

/** A failure the user must fix; the message says what and where. */
export class BuildError extends Error {}

/** Build args every Dockerfile may use without declaring them globally. */
const PREDEFINED_ARGS = ["HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY", "ALL_PROXY"].flatMap((name) => [name, name.toLowerCase()]);

interface Stage extends StageConfig {
  name?: string;
  /** The current image; undefined while a scratch stage has made nothing. */
  image?: string;
  /** The stage's ARGs and their values (undefined: declared, no value). */
  args: Map<string, string | undefined>;
}

export class Builder {
  readonly #stages: Stage[] = [];
  readonly #usedArgs = new Set<string>();
  #step = 0;
  #steps = 0;
  #escape = "\\";
  #ignore = new IgnoreRules("");
  #globalArgs = new Map<string, string | undefined>();
  readonly #bases: BaseImages;

  constructor(
    private readonly services: BuildServices,
    private readonly request: BuildRequest,
    private readonly out: (text: string) => void,
    /** A base image's pull reports here, with Docker's JSON progress messages. */
    progress: ProgressSink,
    /** Aborted when the client goes away: the build stops, a running step's container is killed. */
    private readonly signal?: AbortSignal,
  ) {
    const settings = { always: request.pull, registry: services.registry, credentials: request.credentials };
    this.#bases = new BaseImages(services.images, settings, progress, signal);
  }

  /** Runs the build; resolves with the image id. */
  async build(): Promise<string> {
    const file = this.#readDockerfile();
    this.#escape = file.escape;
    this.#ignore = this.#readIgnore();
    const first = file.instructions.findIndex((i) => i.keyword === "FROM");
    if (first < 0) throw new BuildError(`${this.request.dockerfile}: no build stage in current context: the Dockerfile has no FROM`);
    for (const i of file.instructions.slice(0, first)) {
      if (i.keyword !== "ARG") throw this.#error(i, `${i.keyword} before the first FROM: only ARG may come before FROM`);
      const pairs = await this.#guard(i, async () => this.#argPairs(i, new Map()));
      for (const [name, value] of pairs) this.#globalArgs.set(name, this.request.buildArgs[name] ?? value);
    }
    const stages = splitStages(file.instructions.slice(first));
    const last = this.#targetIndex(stages);
    const labels = Object.entries(this.request.labels);
    // As Docker's classic builder, build labels are one more LABEL step at the end.
    this.#steps = stages.slice(0, last + 1).reduce((n, s) => n + s.length, 0) + (labels.length > 0 ? 1 : 0);
    for (const instructions of stages.slice(0, last + 1)) await this.#runStage(instructions);
    const unused = Object.keys(this.request.buildArgs).filter((name) => !this.#usedArgs.has(name) && !PREDEFINED_ARGS.includes(name));
    if (unused.length > 0) this.out(`[Warning] One or more build-args [${unused.join(" ")}] were not consumed\n`);
    const stage = this.#stages[last]!;
    if (labels.length > 0) {
      const step = `LABEL ${labels.map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(" ")}`;
      this.out(`Step ${++this.#step}/${this.#steps} : ${step}\n`);
      stage.config.Labels = { ...stage.config.Labels, ...this.request.labels };
      await this.#commitConfig(stage, "LABEL", step);
    }
    if (!stage.image) await this.#commitConfig(stage, "");
    return stage.image!;
  }

  #readDockerfile(): Dockerfile {
    const path = this.#insideContext(this.request.dockerfile, () => new BuildError(`Cannot locate specified Dockerfile: ${this.request.dockerfile}`));
    return parseDockerfile(readFileSync(path, "utf8"), this.request.dockerfile);
  }

  /** `<Dockerfile>.dockerignore` beside the Dockerfile wins over the context's `.dockerignore`. */
  #readIgnore(): IgnoreRules {
    for (const name of [`${this.request.dockerfile}.dockerignore`, ".dockerignore"]) {
      const path = this.#contextFile(name);
      if (path === undefined) continue;
      try {
        return new IgnoreRules(readFileSync(path, "utf8"));
      } catch (err) {
        throw new BuildError(`${name}: ${(err as Error).message}`);
      }
    }
    return new IgnoreRules("");
  }

  #insideContext(relative: string, missing: () => Error): string {
    const path = this.#contextFile(relative);
    if (path === undefined) throw missing();
    return path;
  }

  /** The real path of the regular file `relative` in the context; undefined when there is none (or it leads outside). */
  #contextFile(relative: string): string | undefined {
    try {
      const path = realpathSync(join(this.request.context, relative));
      // Not a fifo or anything else a read could block on.
      return path.startsWith(`${realpathSync(this.request.context)}/`) && statSync(path).isFile() ? path : undefined;
    } catch {
      return undefined;
    }
  }

  #targetIndex(stages: Instruction[][]): number {
    if (!this.request.target) return stages.length - 1;
    const index = stages.findIndex((s) => stageName(s[0]!) === this.request.target!.toLowerCase());
    if (index < 0) throw new BuildError(`failed to reach build target ${this.request.target} in Dockerfile`);
    return index;
  }

  #error(i: Instruction, message: string): BuildError {
    return new BuildError(`${this.request.dockerfile}:${i.line}: ${message}`);
  }

  async #runStage(instructions: Instruction[]): Promise<void> {
    const [from, ...rest] = instructions;
    const stage = await this.#from(from!);
    this.#stages.push(stage);
    // The base's triggers run now and are not passed on.
    const triggers = stage.config.OnBuild ?? [];
    stage.config.OnBuild = null;
    for (const trigger of triggers) await this.#trigger(stage, trigger, from!);
    for (const i of rest) {
      this.signal?.throwIfAborted();
      this.#stepHeader(i);
      await this.#guard(i, () => this.#instruction(stage, i));
    }
  }

  /** Runs `work`, turning the errors of an instruction's arguments into errors that name its line. */
  async #guard<T>(i: Instruction, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof SubstitutionError || err instanceof InstructionError || err instanceof CopyError || err instanceof DockerfileError) {
        throw err instanceof DockerfileError ? err : this.#error(i, err.message);
      }
      throw err;
    }
  }

  #stepHeader(i: Instruction): void {
    this.out(`Step ${++this.#step}/${this.#steps} : ${i.text}\n`);
  }

  async #from(i: Instruction): Promise<Stage> {
    this.#stepHeader(i);
    const [baseWord, , name] = i.args.trim().split(/\s+/);
    const base = await this.#guard(i, async () => processWord(baseWord!, this.#metaVariables(), this.#escape));
    const stage: Stage = { name: name?.toLowerCase(), args: new Map(), cmdSet: false, config: {} };
    const previous = this.#stages.find((s) => s.name !== undefined && s.name === base.toLowerCase());
    if (base.toLowerCase() === "scratch") {
      this.out(" ---> \n");
      return stage;
    }
    const id = previous?.image ?? (await this.#baseImage(i, `FROM ${base}`, base));
    stage.image = id;
    stage.config = structuredClone((await this.services.images.config(id)).config ?? {});
    this.out(` ---> ${shortId(id)}\n`);
    return stage;
  }

  /** The id of a FROM or COPY --from image, pulled if need be; a failed pull names the line and says why. */
  async #baseImage(i: Instruction, what: string, name: string): Promise<string> {
    try {
      return await this.#bases.get(name);
    } catch (err) {
      if (this.signal?.aborted) throw err;
      throw this.#error(i, `${what}: ${(err as Error).message}`);
    }
  }

  /** An ONBUILD trigger of the base image, run as if it were written after FROM. */
  async #trigger(stage: Stage, trigger: string, from: Instruction): Promise<void> {
    this.out(`# Executing build trigger: ${trigger}\n`);
    const [i] = parseDockerfile(trigger, this.request.dockerfile).instructions;
    await this.#guard(from, () => this.#instruction(stage, { ...i!, line: from.line }));
  }

  /** Variables FROM lines see: the global ARGs. */
  #metaVariables(): Variables {
    const vars = new Map<string, string>();
    for (const [name, value] of this.#globalArgs) {
      if (value !== undefined) vars.set(name, value);
      this.#usedArgs.add(name);
    }
    return vars;
  }

  /** Variables an instruction sees: the stage's ARGs, then its ENV over them. */
  #variables(stage: Stage): Variables {
    const vars = new Map<string, string>();
    for (const [name, value] of stage.args) if (value !== undefined) vars.set(name, value);
    for (const entry of stage.config.Env ?? []) {
      const at = entry.indexOf("=");
      vars.set(at < 0 ? entry : entry.slice(0, at), at < 0 ? "" : entry.slice(at + 1));
    }
    return vars;
  }

  /** ARG's `NAME[=default]` words. */
  #argPairs(i: Instruction, vars: Variables): [string, string | undefined][] {
    return processWords(i.args, vars, this.#escape).map((word) => {
      const at = word.indexOf("=");
      const name = at < 0 ? word : word.slice(0, at);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new InstructionError(`ARG requires a valid name, not "${name}"`);
      return [name, at < 0 ? undefined : word.slice(at + 1)];
    });
  }

  async #instruction(stage: Stage, i: Instruction): Promise<void> {
    if (i.keyword === "ARG") {
      for (const [name, value] of this.#argPairs(i, this.#variables(stage))) {
        this.#usedArgs.add(name);
        const given = this.request.buildArgs[name];
        stage.args.set(name, given ?? value ?? this.#globalArgs.get(name));
      }
      // As in Docker, ARG makes an image only so the step has an id to show.
      return this.#commitConfig(stage, `ARG ${JSON.stringify([...stage.args])}`, i.text);
    }
    if (METADATA.has(i.keyword)) {
      applyMetadata(i, stage, this.#variables(stage), this.#escape);
      return this.#commitConfig(stage, i.keyword, i.text);
    }
    if (i.keyword === "RUN") return this.#run(stage, i);
    return this.#copy(stage, i);
  }

  /** The stage's build args as RUN's environment: those with a value that no ENV of the same name hides. */
  #argEnv(stage: Stage): string[] {
    const env = new Set((stage.config.Env ?? []).map((e) => e.split("=", 1)[0]!));
    const predefined = PREDEFINED_ARGS.filter((name) => this.request.buildArgs[name] !== undefined).map((name) => [name, this.request.buildArgs[name]] as const);
    return [...stage.args, ...predefined].filter(([name, value]) => value !== undefined && !env.has(name)).map(([name, value]) => `${name}=${value}`);
  }

  /** A step that changes only the config: a new image on the same layers. `step` is its text, for the history. */
  async #commitConfig(stage: Stage, what: string, step?: string): Promise<void> {
    await this.#commit(stage, ["config", what], "", async () => undefined, step === undefined ? undefined : nop(step));
  }

  /**
   * Makes the step's image: from the cache when the same step ran on the same parent with the same input
   * files, else by running `work` (which returns the new layer's container, if the step has one).
   */
  async #commit(stage: Stage, what: unknown[], inputs: string, work: () => Promise<Container | undefined>, createdBy?: string): Promise<void> {
    const { images, cache, containers } = this.services;
    const key = BuildCache.key(stage.image ?? "scratch", JSON.stringify([...what, stage.config, stage.author ?? ""]), inputs);
    const cached = this.request.noCache ? undefined : cache.get(key);
    if (cached !== undefined && exists(images, cached)) {
      this.out(" ---> Using cache\n");
      this.#adopt(stage, cached, (await images.config(cached)).config ?? {});
      return;
    }
    const c = await work();
    try {
      const created = new Date().toISOString();
      // The parent's steps and this one, as `docker history` lists them; a step without a container added no layer.
      const history = stage.image ? [...((await images.config(stage.image)).history ?? [])] : [];
      if (createdBy !== undefined) history.push({ created, created_by: createdBy, ...(c ? {} : { empty_layer: true }) });
      const config: Omit<ImageConfig, "rootfs"> = {
        architecture: hostArchitecture(),
        os: "linux",
        created,
        ...(stage.author && { author: stage.author }),
        config: stage.config,
        ...(history.length > 0 && { history }),
      };
      const { id } = await images.addBuilt({ parent: stage.image, layer: c && layerTar(c.paths.upper), config, tags: [] });
      await cache.set(key, id);
      this.#adopt(stage, id, stage.config);
    } finally {
      // A COPY container never ran: nothing in it to look at.
      if (c && (this.request.remove || c.record.State.Status === "created")) await containers.remove(c.id, { force: true, volumes: true });
    }
  }

  #adopt(stage: Stage, id: string, config: RunConfig): void {
    stage.image = id;
    stage.config = structuredClone(config);
    this.out(` ---> ${shortId(id)}\n`);
  }

  /** The stage's image, made (empty) if a scratch stage has none yet: containers need one. */
  async #parentImage(stage: Stage): Promise<string> {
    if (!stage.image) await this.#commit(stage, ["scratch"], "", async () => undefined);
    return stage.image!;
  }

  async #run(stage: Stage, i: Instruction): Promise<void> {
    const shell = stage.config.Shell ?? DEFAULT_SHELL;
    const heredoc = i.heredocs[0];
    const script = heredoc && /^<<-?["']?\w+["']?$/.test(i.args.trim()) ? heredoc.content : undefined;
    const body = i.heredocs.map((h) => `\n${h.content}${h.name}`).join("");
    const cmd = i.json ?? (script !== undefined ? [...shell, script] : commandOf(i, i.args + body, shell));
    const env = this.#argEnv(stage);
    const parent = await this.#parentImage(stage);
    const { containers } = this.services;
    // As the classic builder writes it: the build args the step saw, then the command.
    const createdBy = `${env.length > 0 ? `|${env.length} ${env.join(" ")} ` : ""}${cmd.join(" ")}`;
    await this.#commit(stage, ["RUN", cmd, env], "", async () => {
      const { Id } = await containers.create(undefined, {
        Image: parent, Cmd: cmd, Entrypoint: [], Env: env, User: stage.config.User ?? "", WorkingDir: stage.config.WorkingDir ?? "",
        Labels: {}, HostConfig: {},
      });
      const c = containers.get(Id);
      this.out(` ---> Running in ${shortId(Id)}\n`);
      try {
        const exit = containers.wait(Id, "next-exit");
        this.signal?.throwIfAborted();
        await containers.start(Id);
        const kill = () => void containers.kill(Id).catch(() => undefined);
        this.signal?.addEventListener("abort", kill, { once: true });
        void exit.finally(() => this.signal?.removeEventListener("abort", kill));
        await streamLogs(c, { stdout: true, stderr: true, follow: true, timestamps: false }, async (_entry, payload) => this.out(payload.toString()), new Promise(() => {}));
        const { StatusCode } = await exit;
        if (StatusCode !== 0) throw new BuildError(`The command '${cmd.join(" ")}' returned a non-zero code: ${StatusCode}`);
      } catch (err) {
        // A failed step's container stays for inspection, as in Docker, unless forcerm or the build was abandoned.
        if (this.request.forceRemove || this.signal?.aborted || !(err instanceof BuildError)) await containers.remove(Id, { force: true, volumes: true });
        throw err;
      }
      return c;
    }, createdBy);
  }

  async #copy(stage: Stage, i: Instruction): Promise<void> {
    const vars = this.#variables(stage);
    const words = i.json ? i.json.map((w) => processWord(w, vars, this.#escape)) : processWords(i.args, vars, this.#escape);
    const destWord = words.pop()!;
    const dest = posix.resolve(stage.config.WorkingDir || "/", destWord);
    const parent = await this.#parentImage(stage);
    const intoDir = destWord.endsWith("/") || destWord.endsWith("/.") || destWord === "." || this.#isDirectory(parent, dest);
    const owner = await this.#owner(i, parent, vars);
    const entries: CopyEntry[] = [];
    const sources = words.filter((w) => !i.heredocs.some((h) => w === `<<${h.name}` || w === `<<-${h.name}`));
    const count = sources.length + i.heredocs.length;
    if (count > 1 && !intoDir) throw new InstructionError(`When using ${i.keyword} with more than one source file, the destination must be a directory and end with a /`);
    for (const h of i.heredocs) {
      const content = h.expand ? processWord(`"${h.content.replace(/(["\\])/g, "\\$1")}"`, vars, "\\") : h.content;
      entries.push(...place([{ name: "", type: "file", mode: 0o644, mtime: new Date(), content: Buffer.from(content) }], h.name, dest, intoDir));
    }
    for (const source of sources) entries.push(...(await this.#sourceEntries(i, source, dest, intoDir || count > 1, vars)));
    const final = withMode(entries, owner);
    await this.#commit(stage, [i.keyword, dest, owner], entriesDigest(final, owner), async () => {
      const { containers, images, volumes } = this.services;
      const { Id } = await containers.create(undefined, { Image: parent, Cmd: ["true"], Entrypoint: [], Labels: {}, HostConfig: { NetworkMode: "none" } });
      const c = containers.get(Id);
      try {
        const sources: ArchiveSources = { rootfs: images.rootfs(parent), volumes };
        await extractIntoContainer(c, sources, "/", entriesTar(final, owner), { noOverwriteDirNonDir: false, copyUIDGID: false });
      } catch (err) {
        await containers.remove(Id, { force: true, volumes: true });
        throw err;
      }
      return c;
    }, nop(i.text));
  }

  /** Whether `path` is a directory in the image: a file copied there goes into it, as in Docker. */
  #isDirectory(image: string, path: string): boolean {
    const layers = this.services.images.rootfs(image).lowerDirs;
    return entryAt(layers, resolveInRoot(layers, path))?.stat.isDirectory() ?? false;
  }

  async #owner(i: Instruction, parent: string, vars: Variables): Promise<Ownership> {
    const owner: Ownership = { uid: 0, gid: 0 };
    if (i.flags.chmod !== undefined) {
      if (!/^[0-7]{3,4}$/.test(i.flags.chmod)) throw new InstructionError(`invalid chmod parameter: ${i.flags.chmod}: use an octal mode such as 755`);
      owner.mode = parseInt(i.flags.chmod, 8);
    }
    if (i.flags.chown !== undefined) {
      const user = processWord(i.flags.chown, vars, this.#escape);
      const { uid, gid } = await resolveIdentity(user, [], this.services.images.rootfs(parent).lowerDirs).catch((err: Error) => {
        throw new InstructionError(`--chown=${user}: ${err.message}`);
      });
      Object.assign(owner, { uid, gid });
    }
    return owner;
  }

  /** The entries of one COPY/ADD source, placed at `dest`. */
  async #sourceEntries(i: Instruction, source: string, dest: string, intoDir: boolean, vars: Variables): Promise<CopyEntry[]> {
    if (i.keyword === "ADD" && /^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      throw new InstructionError(`ADD ${source}: berth's builder does not download remote URLs; fetch the file into the build context and COPY it`);
    }
    if (i.flags.from !== undefined) return place(await this.#fromImage(i, source, vars), source, dest, intoDir);
    const placed: CopyEntry[] = [];
    for (const path of matchContext(this.request.context, this.#ignore, source)) {
      const entries = contextEntries(this.request.context, this.#ignore, path);
      const top = entries[0]!;
      // A compressed file that is no tar is copied as it is, as Docker does.
      const extracted = i.keyword === "ADD" && top.type === "file" && isArchive(top.content!) ? await archiveEntries(top.content!).catch(() => undefined) : undefined;
      placed.push(...(extracted ? place(extracted, path, dest, true) : place(entries, path, dest, intoDir)));
    }
    return placed;
  }

  /** `COPY --from=STAGE|IMAGE path`: the path as it is in that image, read through a container that never starts. */
  async #fromImage(i: Instruction, source: string, vars: Variables): Promise<CopyEntry[]> {
    const from = processWord(i.flags.from!, vars, this.#escape);
    const byIndex = /^\d+$/.test(from) ? this.#stages[Number(from)] : undefined;
    const stage = byIndex ?? this.#stages.find((s) => s.name === from.toLowerCase());
    const image = stage ? await this.#parentImage(stage) : await this.#baseImage(i, `${i.keyword} --from=${from}`, from);
    const { containers, images, volumes } = this.services;
    const { Id } = await containers.create(undefined, { Image: image, Cmd: ["true"], Entrypoint: [], Labels: {}, HostConfig: { NetworkMode: "none" } });
    try {
      const tar = new PassThrough();
      const reading = tarEntries(tar, true);
      await packFromContainer(containers.get(Id), { rootfs: images.rootfs(image), volumes }, posix.resolve("/", source), tar).catch((err: Error) => {
        tar.destroy();
        throw new CopyError(`--from=${from}: ${err.message}`);
      });
      return await reading;
    } finally {
      await containers.remove(Id, { force: true, volumes: true });
    }
  }
}

function exists(images: ImageStore, id: string): boolean {
  try {
    images.get(id);
    return true;
  } catch {
    return false;
  }
}

const stageName = (from: Instruction) => from.args.trim().split(/\s+/)[2]?.toLowerCase();

function splitStages(instructions: Instruction[]): Instruction[][] {
  const stages: Instruction[][] = [];
  for (const i of instructions) {
    if (i.keyword === "FROM") stages.push([i]);
    else stages.at(-1)!.push(i);
  }
  return stages;
}

/** How the classic builder records a step that runs no command in the image's history. */
const nop = (step: string) => `/bin/sh -c #(nop)  ${step}`;
