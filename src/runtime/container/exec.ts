// Exec: a second process in a running container, under its own berth-monitor (exec mode) in
// <container>/exec/<exec id>/. Exec records live in berthd's memory only, as in dockerd.
import { randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { log } from "../../engine/log.js";
import type { ImageStore } from "../image/store.js";
import { encodeExecSpec, readExitRecord, readStartError, startMonitor, waitPid } from "../native.js";
import { bridge } from "./attach.js";
import { ALL_CAPS, mergeEnv } from "./config.js";
import { connectAttach, encodeFrame, FRAME, resizePayload, sendFrame } from "./attach-socket.js";
import { conflict, invalid, notFound, startFailureCode } from "./errors.js";
import type { Container, ContainerEvents, ContainerService } from "./lifecycle.js";
import { capabilities, noNewPrivileges, processEnv } from "./spec.js";
import { resolveIdentity } from "./user.js";

/** `POST /containers/{id}/exec`'s body. */
export interface ExecConfig {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  Env?: string[];
  Cmd?: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

export interface Exec {
  id: string;
  container: Container;
  config: ExecConfig;
  running: boolean;
  /** null until the process has ended. */
  exitCode: number | null;
  pid: number;
  started: boolean;
  dir: string;
  /** Why the process could not be started (it never ran). */
  startError?: string;
}

export class ExecService {
  readonly #execs = new Map<string, Exec>();

  constructor(
    private readonly containers: ContainerService,
    private readonly images: ImageStore,
    private readonly events: ContainerEvents,
  ) {}

  create(ref: string, config: ExecConfig): string {
    const container = this.containers.get(ref);
    if (!config.Cmd || config.Cmd.length === 0) throw invalid("No exec command specified: Cmd must name the program to run");
    this.#checkRunning(container);
    const id = randomBytes(32).toString("hex");
    // Execs of removed containers can never be inspected again.
    for (const [known, exec] of this.#execs) if (!this.containers.list().includes(exec.container)) this.#execs.delete(known);
    this.#execs.set(id, { id, container, config, running: false, exitCode: null, pid: 0, started: false, dir: join(container.paths.execs, id) });
    this.events(`exec_create: ${config.Cmd.join(" ")}`, container.record, { execID: id });
    return id;
  }

  get(id: string): Exec {
    const exec = this.#execs.get(id);
    if (!exec || !this.containers.list().includes(exec.container)) throw notFound(`No such exec instance: ${id}`);
    return exec;
  }

  #checkRunning(c: Container): void {
    if (c.record.State.Status === "paused") throw conflict(`Container ${c.id} is paused, unpause the container before exec`);
    if (!c.running) throw conflict(`Container ${c.id} is not running`);
  }

  /**
   * Starts the exec. With `attach` its stdio goes to the client stream attach() gives once the checks
   * passed (the process waits until the attachment is made), and this resolves once the process has ended
   * and its exit code is known; detached it resolves once the process runs.
   */
  async start(id: string, tty: boolean, attach?: () => Duplex): Promise<void> {
    const exec = this.get(id);
    const c = exec.container;
    if (exec.started) throw conflict(`Exec command ${id} has already run`);
    this.#checkRunning(c);
    exec.started = true;
    c.cgroup?.prepareJoin();
    const config = exec.config;
    const rootfs = this.images.rootfs(c.record.Image);
    const identity = await resolveIdentity(config.User || c.record.Config.User, c.record.HostConfig.GroupAdd ?? [], [c.paths.upper, ...rootfs.lowerDirs]);
    await mkdir(exec.dir, { recursive: true, mode: 0o700 });
    const spec = encodeExecSpec({
      argv: config.Cmd!,
      env: mergeEnv(processEnv(c.record, identity), [...(tty ? ["TERM=xterm"] : []), ...(config.Env ?? [])]),
      cwd: config.WorkingDir || c.record.Config.WorkingDir || "/",
      uid: identity.uid,
      gid: identity.gid,
      groups: identity.groups,
      caps: config.Privileged ? ALL_CAPS : capabilities(c.record.HostConfig),
      noNewPrivs: noNewPrivileges(c.record.HostConfig),
      tty,
      openStdin: config.AttachStdin ?? false,
      hold: attach !== undefined,
      cgroups: c.cgroup?.procsFiles() ?? [],
      joinPid: c.record.State.Pid,
    });
    await writeFile(join(exec.dir, "spec"), spec, { mode: 0o600 });
    // From here on errors reach the client on its stream: the connection is taken over now.
    const client = attach?.();
    this.events(`exec_start: ${config.Cmd!.join(" ")}`, c.record, { execID: id });
    let started;
    try {
      started = await startMonitor(exec.dir, "exec");
    } catch (err) {
      const failure = readStartError(exec.dir);
      exec.exitCode = failure ? startFailureCode(failure.errno) : 126;
      exec.startError = (err as Error).message;
      await rm(exec.dir, { recursive: true, force: true });
      this.events("exec_die", c.record, { execID: id, exitCode: String(exec.exitCode) });
      // dockerd reports it on the stream, where the client (docker exec) shows it and exits with the code.
      if (!client) throw invalid((err as Error).message);
      client.end(`${(err as Error).message}\r\n`);
      return;
    }
    Object.assign(exec, { running: true, pid: started.pid });
    const ended = this.#finish(exec, started.monitorPid);
    if (!client) return;
    try {
      const monitor = await connectAttach(exec.dir);
      const attached = bridge(monitor, client, {
        stdin: config.AttachStdin ?? false, stdout: config.AttachStdout ?? true, stderr: config.AttachStderr ?? true, tty, closeStdinOnEnd: true,
      });
      monitor.write(encodeFrame(FRAME.start));
      await attached;
    } catch (err) {
      client.write(`cannot attach to exec ${id}: ${(err as Error).message}\r\n`);
    }
    // The client reads the exit code right after the stream ends (docker exec): it must be known by then.
    await ended;
    client.end();
  }

  /** Records the exit once the exec's monitor ends. Never rejects: nobody may be waiting for it. */
  async #finish(exec: Exec, monitorPid: number): Promise<void> {
    await waitPid(monitorPid).catch(() => undefined); // ESRCH: it has ended already
    exec.exitCode = readExitRecord(exec.dir)?.exitCode ?? 255;
    exec.running = false;
    await rm(exec.dir, { recursive: true, force: true }).catch((err: Error) => log("warn", `exec ${exec.id}: ${err.message}`));
    this.events("exec_die", exec.container.record, { execID: exec.id, exitCode: String(exec.exitCode) });
  }

  /** Drops an ended exec nobody will inspect (a healthcheck probe), so that execs do not pile up. */
  forget(id: string): void {
    if (this.#execs.get(id)?.running === false) this.#execs.delete(id);
  }

  async resize(id: string, rows: number, cols: number): Promise<void> {
    const exec = this.get(id);
    if (!exec.running) throw conflict(`Exec ${id} is not running`);
    await sendFrame(exec.dir, FRAME.resize, resizePayload(rows, cols));
  }

  /** Docker's ExecInspect shape. */
  inspect(id: string) {
    const { config, container, running, exitCode, pid } = this.get(id);
    const [entrypoint = "", ...args] = config.Cmd ?? [];
    return {
      ID: id,
      Running: running,
      ExitCode: exitCode,
      ProcessConfig: { privileged: config.Privileged ?? false, user: config.User ?? "", tty: config.Tty ?? false, entrypoint, arguments: args },
      OpenStdin: config.AttachStdin ?? false,
      OpenStderr: config.AttachStderr ?? false,
      OpenStdout: config.AttachStdout ?? false,
      CanRemove: false,
      ContainerID: container.id,
      DetachKeys: config.DetachKeys ?? "",
      Pid: pid,
    };
  }
}
