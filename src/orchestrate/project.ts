// The Project API for test suites: load a compose project, bring it up, reach its services, take it down.
// Each instance gets its own project name unless given one, so test files running in parallel never share
// containers; whatever a suite forgets to take down goes when the process ends.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import type { ContainerInspectInfo } from "dockerode";
import { formatWarning, UserError } from "../compose/errors.js";
import { STDIN } from "../compose/discovery.js";
import { loadProject, type LoadedProject } from "../compose/load.js";
import { engine } from "../engine/client.js";
import { LABEL } from "../plan/labels.js";
import { down } from "./down.js";
import type { Progress } from "./progress.js";
import { up } from "./up.js";
import { demultiplex } from "./wait.js";

const { version: BERTH_VERSION } = createRequire(import.meta.url)("../../package.json") as { version: string };
const BERTH_BIN = resolve(import.meta.dirname, "../../bin/berth.js");

export interface ProjectOptions {
  /** compose files; default: COMPOSE_FILE, then compose.yaml & co. found from `directory` */
  files?: string[];
  /** the project directory (relative paths in the files resolve against it); default: the current directory */
  directory?: string;
  /** the project as an object shaped like a compose file, instead of files */
  inline?: object;
  /** variables for interpolation, over the process's environment */
  env?: Record<string, string>;
  profiles?: string[];
  /** the project name; default: the file's own name (or the directory's) with a unique suffix */
  name?: string;
  /** the engine (unix:///path or tcp://host:port); default: BERTH_HOST, then the local berthd, started when needed */
  host?: string;
  /** progress events of up and down; default: none */
  progress?: Progress;
}

export interface ProjectUpOptions {
  /** until every service runs, or is healthy when it has a healthcheck (default: true) */
  wait?: boolean;
  /** give up waiting after this many seconds */
  waitTimeout?: number;
  /** only these services and what they depend on */
  services?: string[];
}

export interface ContainerOptions {
  /** which replica (default: 1) */
  index?: number;
}

export interface ExecOptions extends ContainerOptions {
  /** extra variables, NAME → value */
  env?: Record<string, string>;
  user?: string;
  workdir?: string;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Projects up and not yet down, for the clean-up at process exit. */
const live = new Set<Project>();

export class Project {
  /** whether down removes named volumes when the suite forgot it (only for generated names: nobody can reuse them) */
  private readonly generatedName: boolean;
  private docker?: Docker;

  private constructor(
    readonly loaded: LoadedProject,
    private readonly options: ProjectOptions,
  ) {
    this.generatedName = options.name === undefined;
  }

  /** The project's name, as its containers' `com.docker.compose.project` label has it. */
  get name(): string {
    return this.loaded.name;
  }

  static load(options: ProjectOptions = {}): Project {
    const read = (projectName: string | undefined) => readProject(options, projectName);
    const name = options.name ?? `${read(undefined).name}-${randomBytes(4).toString("hex")}`;
    return new Project(read(name), options);
  }

  async up(options: ProjectUpOptions = {}): Promise<void> {
    const docker = await this.engine();
    live.add(this);
    installExitHandlers();
    await up({
      docker,
      loaded: this.loaded,
      services: options.services ?? [],
      wait: options.wait ?? true,
      waitTimeout: options.waitTimeout,
      progress: this.options.progress ?? (() => {}),
      warn: (message) => process.stderr.write(`WARN ${message}\n`),
      version: BERTH_VERSION,
    });
  }

  /** Stops and removes the project's containers and networks; its named volumes too with `volumes: true`. */
  async down(options: { volumes?: boolean } = {}): Promise<void> {
    const docker = await this.engine();
    await down({
      docker,
      project: this.name,
      volumes: options.volumes,
      progress: this.options.progress ?? (() => {}),
      warn: () => {},
      version: BERTH_VERSION,
    });
    live.delete(this);
  }

  /**
   * Where the service's container port is published on the engine's host: `{ host, port }`. A port bound to
   * every address gives the loopback address, which is where a test connects to it.
   */
  async port(service: string, containerPort: number, options: ContainerOptions & { protocol?: "tcp" | "udp" | "sctp" } = {}): Promise<{ host: string; port: number }> {
    const info = await this.inspect(service, options.index);
    const key = `${containerPort}/${options.protocol ?? "tcp"}`;
    const binding = info.NetworkSettings.Ports?.[key]?.[0];
    if (!binding) throw new UserError(`no port ${key} published for service ${service}`);
    const host = binding.HostIp === "" || binding.HostIp === "0.0.0.0" ? "127.0.0.1" : binding.HostIp === "::" ? "::1" : binding.HostIp;
    return { host, port: Number(binding.HostPort) };
  }

  /** The container's IP address on a network of the project (its key in the file); default: its only network. */
  async address(service: string, network?: string, options: ContainerOptions = {}): Promise<string> {
    const networks = (await this.inspect(service, options.index)).NetworkSettings.Networks;
    const name = network === undefined ? undefined : (this.loaded.project.networks[network]?.name ?? network);
    const attached = Object.keys(networks);
    if (name === undefined && attached.length !== 1) {
      throw new UserError(`service ${service} is on ${attached.length === 0 ? "no network" : `networks ${attached.join(", ")}`}: name the network`);
    }
    const endpoint = networks[name ?? attached[0]!];
    if (!endpoint?.IPAddress) throw new UserError(`service ${service} has no address on network ${network}`);
    return endpoint.IPAddress;
  }

  /** Runs a command in the service's container (a string runs through `sh -c`) and collects its output. */
  async exec(service: string, command: string | string[], options: ExecOptions = {}): Promise<ExecResult> {
    const docker = await this.engine();
    const container = docker.getContainer((await this.inspect(service, options.index)).Id);
    const exec = await container.exec({
      Cmd: typeof command === "string" ? ["sh", "-c", command] : command,
      AttachStdout: true,
      AttachStderr: true,
      ...(options.env && { Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`) }),
      ...(options.user && { User: options.user }),
      ...(options.workdir && { WorkingDir: options.workdir }),
    });
    const stream = await exec.start({ hijack: true, stdin: false });
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out = collect(stdout);
    const err = collect(stderr);
    docker.modem.demuxStream(stream, stdout, stderr);
    await new Promise<void>((done, fail) => {
      stream.once("end", done);
      stream.once("close", done);
      stream.once("error", fail);
    });
    stdout.end();
    stderr.end();
    const { ExitCode } = await exec.inspect();
    return { exitCode: ExitCode!, stdout: await out, stderr: await err };
  }

  /** Everything the service's container has written so far, standard output and error interleaved. */
  async logs(service: string, options: ContainerOptions = {}): Promise<string> {
    const info = await this.inspect(service, options.index);
    const raw = await (await this.engine()).getContainer(info.Id).logs({ stdout: true, stderr: true, follow: false });
    return info.Config.Tty ? raw.toString("utf8") : demultiplex(raw);
  }

  private async engine(): Promise<Docker> {
    this.docker ??= await engine({ host: this.options.host });
    return this.docker;
  }

  private async inspect(service: string, index = 1): Promise<ContainerInspectInfo> {
    const docker = await this.engine();
    const [container] = await docker.listContainers({
      all: true,
      filters: { label: [`${LABEL.project}=${this.name}`, `${LABEL.service}=${service}`, `${LABEL.number}=${index}`, `${LABEL.oneoff}=False`] },
    });
    if (!container) throw new UserError(`no container ${index} of service ${service} in project ${this.name}`);
    return docker.getContainer(container.Id).inspect();
  }

  /** Last resort when the process is exiting and can no longer wait: the CLI's down, run to completion. */
  downSync(): void {
    const args = [BERTH_BIN, ...(this.options.host ? ["--host", this.options.host] : []), "-p", this.name, "down", ...(this.generatedName ? ["-v"] : [])];
    spawnSync(process.execPath, args, { stdio: "ignore" });
    live.delete(this);
  }

  /** Down at process end for a project the suite left up. */
  async downForgotten(): Promise<void> {
    await this.down({ volumes: this.generatedName }).catch(() => live.delete(this));
  }
}

function readProject(options: ProjectOptions, projectName: string | undefined): LoadedProject {
  const cwd = resolve(options.directory ?? process.cwd());
  const warnings: string[] = [];
  const loaded = loadProject({
    cwd,
    files: options.inline ? [STDIN] : (options.files ?? []),
    readStdin: () => JSON.stringify(options.inline),
    projectName,
    projectDirectory: options.directory && cwd,
    envFiles: [],
    profiles: options.profiles ?? [],
    services: [],
    shell: { ...process.env, ...options.env },
    warn: (w) => void warnings.push(formatWarning(w)),
  });
  // the project is read twice when its name is generated: each warning once
  if (projectName !== undefined) for (const w of new Set(warnings)) process.stderr.write(`WARN ${w}\n`);
  return loaded;
}

function collect(stream: PassThrough): Promise<string> {
  return new Promise((done) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => done(Buffer.concat(chunks).toString("utf8")));
  });
}

let installed = false;

/**
 * beforeExit (the event loop ran dry) and SIGINT/SIGTERM take forgotten projects down properly, then the signal
 * ends the process as it would have; on `exit` (process.exit, e.g. mocha --exit) only synchronous work is possible.
 */
function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  process.on("beforeExit", () => {
    if (live.size > 0) void Promise.all([...live].map((p) => p.downForgotten()));
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void Promise.all([...live].map((p) => p.downForgotten())).finally(() => process.kill(process.pid, signal));
    });
  }
  process.on("exit", () => {
    for (const p of live) p.downSync();
  });
}
