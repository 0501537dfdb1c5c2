// The container service: create, start, stop, kill, restart, wait, remove, pause, unpause, rename.
// Each running container has a berth-monitor as its parent; berthd watches the monitor (a pidfd) and records
// the exit when it ends. Operations on one container run one at a time; the exit is recorded outside that
// queue, so that an operation can wait for it.
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EndpointSettings as EndpointRequest } from "dockerode";
import { UserError } from "../../compose/errors.js";
import { log } from "../../engine/log.js";
import type { Cgroups, ContainerCgroup, Limits } from "../cgroups/index.js";
import type { ImageStore } from "../image/store.js";
import { encodeContainerSpec, readExitRecord, readStartError, sendSignal, startMonitor, waitPid, type StartedMonitor } from "../native.js";
import { findContainers, removeOrphanCgroups } from "./adopt.js";
import { ExecFailure, FRAME, release, resizePayload, sendFrame } from "./attach-socket.js";
import { mountOrder, planMounts, type MountConfig } from "../volume/mounts.js";
import { createMounts, startMounts, volumeNames, type ContainerMount } from "../volume/setup.js";
import type { VolumeStore } from "../volume/store.js";
import { ForbiddenError, type NetworkService } from "../network/service.js";
import { publishTarget, type PortMap, type PortPublisher } from "../network/ports.js";
import { checkHostConfig, commandOf, mergeConfig, type CreateRequest } from "./config.js";
import { conflict, invalid, notFound, NotModifiedError, startFailureCode } from "./errors.js";
import { hostnameFile, writeEtcFiles } from "./etc-files.js";
import { addressesOf, attachment, checkConnectable, connectNetworks, connectRequest, leaveNetworks, makeNetns, netnsPath, planNetworks } from "./networking.js";
import { checkName, generateName, newId } from "./names.js";
import { containerPaths, containersDir, writeRecord, ZERO_TIME, type ContainerPaths, type ContainerRecord } from "./record.js";
import { containerSpec, signalNumber } from "./spec.js";
import { settleAll } from "../settle.js";
import { resolveIdentity } from "./user.js";
import { inheritedMounts, parseVolumesFrom, uncoveredVolumes } from "./volumes-from.js";

/** Container events in Docker's vocabulary: create, start, die, kill, stop, destroy, pause, unpause, rename, ... */
export type ContainerEvents = (action: string, record: ContainerRecord, attributes?: Record<string, string>) => void;

/** Volume events the container service causes: create (a volume made for a container), destroy (`rm -v`). */
export type VolumeEvents = (action: "create" | "destroy", name: string) => void;

export interface ServiceOptions {
  root: string;
  /**
   * The image store; a function because berthd opens it after the containers, so that its start-up
   * cleanup already knows which images containers use.
   */
  images: () => ImageStore;
  cgroups: Cgroups;
  volumes: VolumeStore;
  events: ContainerEvents;
  volumeEvents: VolumeEvents;
  /** Bridge networks: containers get endpoints on them while they run. */
  networks: NetworkService;
  /** Published ports (PortBindings, PublishAllPorts); without it, containers publish nothing. */
  ports?: PortPublisher;
}

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

export type WaitCondition = "not-running" | "next-exit" | "removed";

/**
 * berth's extension to a start (POST start's `berth-after`, see engine/routes/containers.ts): the process is set up
 * at once, but execs only once each container of `after` runs or has started since `since` (ms since the epoch, taken
 * by the client before it asked for that start). berth's orchestrator so prepares a service_started chain all at once.
 */
export interface StartOrder {
  after?: readonly { ref: string; since: number }[];
  /** Aborts a start still waiting (its client went away): the process set up for it goes. */
  signal?: AbortSignal;
}

/** Someone who attaches before start: connects once the process is set up, before it is released. */
export type AttachGate = () => Promise<void>;

/** Where healthchecks (health.ts) and restart policies (restart.ts) hook in; berthd sets them once they exist. */
export interface LifecycleHooks {
  /** The process started ("start" is out). */
  started(c: Container): void;
  /** A signal went to the process through the API (stop, kill, rm -f). */
  signalled(c: Container, signal: number): void;
  /** The process is about to be frozen. */
  pausing(c: Container): void;
  /** The process was thawed. */
  unpaused(c: Container): void;
  /** The process ended and the record says how; it may turn the record "restarting". Written right after. */
  exited(c: Container): void;
}

const NO_HOOKS: LifecycleHooks = { started() {}, signalled() {}, pausing() {}, unpaused() {}, exited() {} };

/** A container as the service holds it: the persisted record plus what only lives in berthd's memory. */
export class Container {
  /** Resolves once the running process's exit is recorded; undefined when nothing runs. */
  exited?: Promise<void>;
  /** The last run's endpoints and namespace being dismantled, off the exit's critical path; never rejects. */
  networkTeardown?: Promise<void>;
  /** The last teardown's unbinding of the namespace file, which the next one waits for; never rejects. */
  netnsUnbound?: Promise<void>;
  /** NetworkSettings.Ports while it runs on a bridge network. */
  ports?: PortMap;
  cgroup?: ContainerCgroup;
  readonly paths: ContainerPaths;
  readonly exitListeners = new Set<() => void>();
  /** Called after each start attempt, whether it succeeded or not. */
  readonly startListeners = new Set<() => void>();
  /** Cancels a start that waits for other containers (StartOrder): a stop, kill or removal does not wait behind it. */
  cancelWaitingStart?: () => void;
  readonly removedListeners = new Set<() => void>();
  readonly attachGates = new Set<AttachGate>();
  /** Serializes operations on this container. */
  queue: Promise<unknown> = Promise.resolve();
  /** Serializes record writes, so that the last state written is the last state set. */
  writes: Promise<unknown> = Promise.resolve();

  constructor(
    readonly dir: string,
    readonly record: ContainerRecord,
  ) {
    this.paths = containerPaths(dir);
  }

  get id(): string {
    return this.record.Id;
  }

  get running(): boolean {
    return this.record.State.Status === "running" || this.record.State.Status === "paused";
  }
}

/** HostConfig's resource fields are the cgroup limits, under the same names. */
const limitsOf = (record: ContainerRecord): Limits => record.HostConfig as Limits;

/** cgroup validation speaks UserError; to the API it is an invalid argument. */
function asInvalid(err: unknown): never {
  throw err instanceof UserError ? invalid(err.message) : err;
}

export class ContainerService {
  readonly #containers = new Map<string, Container>();
  hooks: LifecycleHooks = NO_HOOKS;

  private constructor(private readonly options: ServiceOptions) {}

  /** Loads every container from disk, re-attaches to running ones and records those that ended meanwhile. */
  static async open(options: ServiceOptions): Promise<ContainerService> {
    const service = new ContainerService(options);
    await mkdir(containersDir(options.root), { recursive: true, mode: 0o700 });
    const found = await findContainers(options.root);
    for (const { dir, record, monitorPid, pid } of found) {
      const c = new Container(dir, record);
      service.#containers.set(record.Id, c);
      if (monitorPid !== undefined) {
        c.cgroup = await options.cgroups.open(record.Id);
        const paused = (await c.cgroup?.isFrozen()) ?? false;
        Object.assign(record.State, { Status: paused ? "paused" : "running", MonitorPid: monitorPid, Pid: pid ?? record.State.Pid });
        c.exited = service.#watch(c, monitorPid);
      } else if (c.running || record.State.MonitorPid !== 0) {
        // It ended (or was starting) while berthd was down: the monitor's exit file says how.
        c.cgroup = await options.cgroups.open(record.Id);
        await service.#recordExit(c);
      }
    }
    const running = new Set(found.filter((f) => f.monitorPid !== undefined).map((f) => f.record.Id));
    // Before any start: running containers get their host ports back, the others' rules go.
    const restored = await options.ports?.restore((id) => running.has(id));
    for (const warning of restored?.warnings ?? []) log("warn", warning);
    for (const id of restored?.restored ?? []) service.#containers.get(id)!.ports = options.ports!.ports(id);
    await removeOrphanCgroups(options.cgroups, running);
    // Anonymous volumes of a create that berthd did not finish: nothing else knows their names.
    await options.volumes.finishCreations((id) => service.#containers.has(id), (name) => service.usingVolume(name));
    // Running containers keep their endpoints; the others' (a crash mid-start, mid-exit or mid-remove) go.
    for (const c of service.list()) if (!running.has(c.id)) await service.#leaveNetworks(c).then(() => c.networkTeardown).catch(() => undefined);
    for (const id of options.networks.containersWithEndpoints()) {
      if (!service.#containers.has(id)) await options.networks.disconnectAll(id);
    }
    return service;
  }

  list(): Container[] {
    return [...this.#containers.values()];
  }

  /** By full id, name (with or without the leading slash) or unique id prefix, as Docker resolves them. */
  get(ref: string): Container {
    const byId = this.#containers.get(ref);
    if (byId) return byId;
    const name = ref.replace(/^\//, "");
    const byName = this.list().find((c) => c.record.Name === name);
    if (byName) return byName;
    const matches = /^[a-f0-9]+$/.test(ref) ? this.list().filter((c) => c.id.startsWith(ref)) : [];
    if (matches.length > 1) throw invalid(`multiple IDs found with provided prefix: ${ref}`);
    if (matches.length === 1) return matches[0]!;
    throw notFound(`No such container: ${ref}`);
  }

  /** Ids of the containers whose mounts use the volume, so that the volume store never deletes one in use. */
  usingVolume(name: string): string[] {
    return this.list().filter((c) => volumeNames(c.record.Mounts).includes(name)).map((c) => c.id);
  }

  /** How many containers use the image, so that the image store never deletes one in use. */
  countUsing(imageId: string): number {
    return this.list().filter((c) => c.record.Image === imageId).length;
  }

  async create(name: string | undefined, request: CreateRequest): Promise<{ Id: string; Warnings: string[] }> {
    if (!request.Image) throw invalid("no image given: Config.Image names the image to create the container from");
    const image = this.options.images().get(request.Image);
    const imageConfig = await this.options.images().config(image.id);
    const hostConfig = request.HostConfig ?? {};
    checkHostConfig(hostConfig);
    const networks = planNetworks(this.options.networks, hostConfig, request.NetworkingConfig?.EndpointsConfig);
    try {
      this.options.cgroups.validate(hostConfig as Limits);
    } catch (err) {
      asInvalid(err);
    }
    const id = newId();
    const config = mergeConfig(id, request, imageConfig.config ?? {});
    commandOf(config);
    const inherited = this.#volumesFrom((hostConfig.VolumesFrom as string[] | null) ?? []);
    const plan = planMounts({
      Binds: hostConfig.Binds,
      Mounts: hostConfig.Mounts as MountConfig[] | undefined,
      Tmpfs: hostConfig.Tmpfs,
      Volumes: uncoveredVolumes(config.Volumes, inherited),
    });
    // The container's own mounts win over inherited ones at the same path, as in dockerd.
    const kept = inherited.filter((m) => !plan.some((own) => own.target === m.target));
    const finalName = name === undefined || name === "" ? generateName((n) => this.#nameTaken(n)) : checkName(name);
    this.#checkNameFree(finalName);
    const record: ContainerRecord = {
      Id: id,
      Name: finalName,
      Created: new Date().toISOString(),
      Image: image.id,
      Config: config,
      HostConfig: hostConfig,
      State: { Status: "created", Pid: 0, MonitorPid: 0, ExitCode: 0, Error: "", OOMKilled: false, StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME },
      RestartCount: 0,
      // The named volumes count as in use while they are created: a removal meanwhile is refused.
      Mounts: [...kept, ...plan.filter((m): m is ContainerMount => m.type !== "volume" || m.name !== undefined)],
      ...(networks && { Networks: networks }),
    };
    const dir = join(containersDir(this.options.root), id);
    const c = new Container(dir, record);
    // The name is taken from here on, while the volumes and the directory are made.
    this.#containers.set(id, c);
    let created: ContainerMount[] = [];
    try {
      created = await createMounts(plan, this.options.volumes, (volume) => this.options.volumeEvents("create", volume.Name), id);
      record.Mounts = mountOrder([...kept, ...created]);
      await this.#makeDirectory(c);
    } catch (err) {
      this.#containers.delete(id);
      await this.#removeAnonymousVolumes(created);
      throw err;
    }
    // The container exists: its anonymous volumes stop recording it (what fails here, the next start settles).
    await this.options.volumes.created(id, volumeNames(created)).catch((err: Error) => log("warn", `container ${id}: ${err.message}`));
    this.options.events("create", record);
    return { Id: id, Warnings: [] };
  }

  /** The mounts VolumesFrom inherits; of two entries with a mount at one path, the later one's counts. */
  #volumesFrom(specs: readonly string[]): ContainerMount[] {
    const byTarget = new Map<string, ContainerMount>();
    for (const { container, readOnly } of specs.map(parseVolumesFrom)) {
      for (const mount of inheritedMounts(this.get(container).record.Mounts, readOnly)) byTarget.set(mount.target, mount);
    }
    return [...byTarget.values()];
  }

  /** Builds the directory under a dot-name and renames it into place: a crash leaves all or nothing. */
  async #makeDirectory(c: Container): Promise<void> {
    const staging = join(containersDir(this.options.root), `.creating-${c.id}`);
    const paths = containerPaths(staging);
    const { Config: config } = c.record;
    try {
      await mkdir(staging, { mode: 0o700 });
      await settleAll([writeEtcFiles(paths, c.record), writeFile(paths.hostname, hostnameFile(config.Hostname)), writeRecord(staging, c.record)]);
      await rename(staging, c.dir);
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
  }

  #nameTaken(name: string): boolean {
    return this.list().some((c) => c.record.Name === name);
  }

  #checkNameFree(name: string, except?: Container): void {
    const holder = this.list().find((c) => c.record.Name === name && c !== except);
    if (holder) {
      throw conflict(`Conflict. The container name "/${name}" is already in use by container "${holder.id}". ` +
        `You have to remove (or rename) that container to be able to reuse that name.`);
    }
  }

  /**
   * `by` "policy" is a restart policy's start at the end of its back-off: it does nothing once a stop, kill or
   * removal ended the back-off. A start through the API resets RestartCount and the manual stop, as dockerd's does.
   */
  start(ref: string, by: "api" | "policy" = "api", order: StartOrder = {}): Promise<void> {
    const c = this.get(ref);
    const after = (order.after ?? []).map(({ ref, since }) => ({ dependency: this.get(ref), since }));
    // A start that waits for others ends when its client goes, or when c is stopped, killed or removed meanwhile.
    const cancelled = new AbortController();
    const signal = order.signal ? AbortSignal.any([order.signal, cancelled.signal]) : cancelled.signal;
    const released = after.length === 0 ? undefined : () => Promise.all(after.map(({ dependency, since }) => startedSince(dependency, since, signal)));
    return this.#serial(c, async () => {
      const restarting = c.record.State.Status === "restarting";
      if (by === "policy" && !restarting) return;
      if (by === "api" && restarting) throw new NotModifiedError(`container ${c.id} is restarting`);
      c.cancelWaitingStart = () => cancelled.abort();
      try {
        await this.#start(c, released);
      } finally {
        c.cancelWaitingStart = undefined;
      }
    });
  }

  /** `released` resolves when the process, set up, may exec (StartOrder). */
  async #start(c: Container, released?: () => Promise<unknown>): Promise<void> {
    try {
      await this.#launch(c, released);
    } finally {
      for (const listener of [...c.startListeners]) listener();
    }
  }

  async #launch(c: Container, released?: () => Promise<unknown>): Promise<void> {
    const { record } = c;
    if (record.State.Status === "paused") throw conflict(`cannot start a paused container, try unpause instead`);
    if (c.running) throw new NotModifiedError(`container ${record.Id} is already started`);
    if (record.State.Status !== "restarting") Object.assign(record, { RestartCount: 0, HasBeenManuallyStopped: false });
    const rootfs = this.options.images().rootfs(record.Image);
    const identity = await resolveIdentity(record.Config.User, record.HostConfig.GroupAdd ?? [], [c.paths.upper, ...rootfs.lowerDirs]);
    const net = this.#network(record);
    const { cgroup, warnings } = await this.options.cgroups.createCgroup(record.Id, limitsOf(record)).catch(asInvalid);
    for (const warning of warnings) log("warn", `container ${record.Id}: ${warning}`);
    // Held at its gate until its endpoints are connected (while the monitor sets it up), attachers are in and it is released.
    const hold = record.Networks !== undefined || c.attachGates.size > 0 || released !== undefined;
    let started: StartedMonitor | undefined;
    try {
      // The root directory of the overlay takes the upper dir's mode: every user in the container must traverse it.
      for (const dir of [c.paths.upper, c.paths.work, c.paths.rootfs]) await mkdir(dir, { recursive: true, mode: 0o755 });
      const mounts = await startMounts(record.Mounts, this.options.volumes, rootfs.lowerDirs);
      await c.networkTeardown;
      const netns = record.Networks ? await makeNetns(c.dir) : undefined;
      const spec = containerSpec({ record, paths: c.paths, rootfs, identity, cgroups: cgroup.procsFiles(), net: netns ?? net, hold, mounts });
      await writeFile(join(c.dir, "spec"), encodeContainerSpec(spec), { mode: 0o600 });
      // A failure of either still waits for the other, so that the catch below knows what to undo.
      const [spawned, joined] = await Promise.allSettled([startMonitor(c.dir), netns && this.#connectNetworks(c, netns)]);
      if (spawned.status === "fulfilled") started = spawned.value;
      if (joined.status === "rejected") throw joined.reason;
      if (spawned.status === "rejected") throw spawned.reason;
      await released?.();
      if (hold) await this.#release(c);
    } catch (err) {
      if (started) await this.#abandon(started, !(err instanceof ExecFailure));
      await cgroup.remove();
      await this.#leaveNetworks(c).catch(() => undefined);
      const failure = readStartError(c.dir);
      const message = failure?.message ?? (err as Error).message;
      Object.assign(record.State, { ExitCode: failure ? startFailureCode(failure.errno) : 126, Error: message });
      if (record.State.Status === "restarting") record.State.Status = "exited";
      await this.#persist(c);
      // As dockerd does: `docker run --rm` waits for the removal even when the start failed.
      if (record.HostConfig.AutoRemove) void this.remove(c.id, { volumes: true }).catch(() => undefined);
      throw invalid(`failed to start container ${record.Id}: ${message}`);
    }
    const { pid, monitorPid } = started!; // set, or the catch above threw
    c.cgroup = cgroup;
    Object.assign(record.State, {
      Status: "running", Pid: pid, MonitorPid: monitorPid, ExitCode: 0, Error: "", OOMKilled: false,
      StartedAt: new Date().toISOString(),
    });
    // "start" goes out before anything can record the exit, so that clients see start before die.
    this.options.events("start", record);
    c.exited = this.#watch(c, monitorPid);
    await this.#persist(c);
    this.hooks.started(c);
  }

  /** Lets attachers connect to a process set up with hold, sizes its TTY (ConsoleSize), then lets it execve. */
  async #release(c: Container): Promise<void> {
    const gates = [...c.attachGates];
    c.attachGates.clear();
    await Promise.allSettled(gates.map((gate) => gate()));
    const [rows = 0, cols = 0] = c.record.HostConfig.ConsoleSize ?? [];
    if (c.record.Config.Tty && rows > 0 && cols > 0) await sendFrame(c.dir, FRAME.resize, resizePayload(rows, cols));
    await release(c.dir);
  }

  /**
   * A start that failed after the monitor set the process up: the process goes (`held`: it still waits at its gate,
   * so its pid is its own; else execve failed and it is gone), and the monitor with it.
   */
  async #abandon(started: StartedMonitor, held: boolean): Promise<void> {
    if (held) sendSignal(started.pid, 9);
    await waitPid(started.monitorPid).catch(() => undefined); // ESRCH: the monitor ended already
  }

  /** The monitor's net for the modes without endpoints: the host's, another container's, or (none) loopback only. */
  #network(record: ContainerRecord): string {
    const mode = record.HostConfig.NetworkMode ?? "";
    if (mode === "host") return "host";
    if (!mode.startsWith("container:")) return "new";
    const other = this.get(mode.slice("container:".length));
    if (other.record.State.Status !== "running") throw conflict(`cannot join the network of container ${other.id}: it is not running`);
    return `/proc/${other.record.State.Pid}/ns/net`;
  }

  /**
   * The container's endpoints in its namespace, and its published ports; then /etc/hosts with its addresses and
   * resolv.conf with its network's DNS server, rewritten in place (the process has them mounted already).
   */
  async #connectNetworks(c: Container, netns: string): Promise<void> {
    await connectNetworks(this.options.networks, c.record, netns);
    // The endpoints have their addresses now, and the process has not started: its ports answer from its first instant.
    const target = publishTarget(this.options.networks, c.id, (c.record.Networks ?? []).map((a) => a.NetworkID));
    const { HostConfig, Config } = c.record;
    if (target && this.options.ports) {
      const request = { PortBindings: HostConfig.PortBindings, PublishAllPorts: HostConfig.PublishAllPorts, ExposedPorts: Config.ExposedPorts };
      c.ports = await this.options.ports.publish(c.id, target, request);
    }
    await this.#updateEtcFiles(c);
  }

  /**
   * Disconnects the container's endpoints and deletes its namespace, after any teardown under way; idempotent.
   * Resolves once the namespace is unbound; c.networkTeardown, once the endpoints are gone too.
   */
  #leaveNetworks(c: Container): Promise<void> {
    c.ports = undefined;
    // Ports go before the endpoints they lead to.
    const leaving = (c.netnsUnbound ?? Promise.resolve())
      .then(() => this.options.ports?.unpublish(c.id))
      .catch((err: Error) => log("error", `container ${c.id}: unpublishing its ports failed: ${err.message}`))
      .then(() => leaveNetworks(this.options.networks, c.id, c.dir));
    const unbound = leaving.then((l) => l.unbound);
    c.netnsUnbound = unbound.catch(() => undefined);
    c.networkTeardown = Promise.all([c.networkTeardown, leaving.then((l) => l.done)])
      .then(() => undefined)
      .catch((err: Error) => log("error", `container ${c.id}: leaving its networks failed: ${err.message}`));
    return unbound;
  }

  /** POST /networks/{id}/connect: a running container joins at once, a stopped one at its next start, as in Docker. */
  connectNetwork(ref: string, networkRef: string, request?: EndpointRequest): Promise<void> {
    const c = this.get(ref);
    return this.#serial(c, async () => {
      checkConnectable(c.record);
      const { networks } = this.options;
      const network = networks.get(networkRef);
      const joined = c.record.Networks ?? [];
      if (joined.some((a) => a.NetworkID === network.Id)) {
        throw new ForbiddenError(`endpoint with name ${c.record.Name} already exists in network ${network.Name}`);
      }
      const added = attachment(network, request);
      if (c.running) {
        await networks.connect(network.Id, connectRequest(networks, c.record, netnsPath(c.dir), added));
        // The process may have ended meanwhile, and its teardown missed this endpoint: it goes now.
        if (!c.running) await this.#leaveNetworks(c);
      }
      c.record.Networks = [...joined, added];
      await this.#persist(c);
      if (c.running) await this.#updateEtcFiles(c);
    });
  }

  /** POST /networks/{id}/disconnect: live for a running container, else from its configuration. */
  disconnectNetwork(ref: string, networkRef: string): Promise<void> {
    const c = this.get(ref);
    return this.#serial(c, async () => {
      checkConnectable(c.record);
      const { networks } = this.options;
      const network = networks.get(networkRef);
      const joined = c.record.Networks ?? [];
      if (!joined.some((a) => a.NetworkID === network.Id)) throw new ForbiddenError(`container ${c.id} is not connected to network ${network.Name}`);
      // An endpoint the exit's teardown took meanwhile is gone all the same.
      if (c.running) await networks.disconnect(network.Id, c.id).catch((err: unknown) => {
        if (c.running) throw err;
      });
      c.record.Networks = joined.filter((a) => a.NetworkID !== network.Id);
      await this.#persist(c);
      if (c.running) await this.#updateEtcFiles(c);
    });
  }

  /** /etc/hosts and resolv.conf from the container's endpoints: at start, and in place after a live connect or disconnect. */
  #updateEtcFiles(c: Container): Promise<void> {
    return writeEtcFiles(c.paths, c.record, addressesOf(this.options.networks, c.record));
  }

  /** Whether any container (running or not) is configured to join the network: it cannot be removed. */
  usingNetwork(networkId: string): boolean {
    return this.list().some((c) => c.record.Networks?.some((a) => a.NetworkID === networkId));
  }

  /** Waits for the monitor to end, then records the exit. Never rejects: operations await it. */
  async #watch(c: Container, monitorPid: number): Promise<void> {
    try {
      await waitPid(monitorPid).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== "ESRCH") throw err; // ESRCH: it ended before we looked
      });
      await this.#recordExit(c);
    } catch (err) {
      log("error", `container ${c.id}: recording its exit failed: ${(err as Error).stack}`);
    }
  }

  async #recordExit(c: Container): Promise<void> {
    const exit = readExitRecord(c.dir);
    const oomKilled = (exit?.oomKilled ?? false) || ((await c.cgroup?.oomKilled()) ?? false);
    if (c.cgroup) {
      // Processes that escaped the pid namespace's end (none should) go with the cgroup.
      await c.cgroup.killAll();
      await c.cgroup.remove();
      c.cgroup = undefined;
    }
    Object.assign(c.record.State, {
      Status: "exited", Pid: 0, MonitorPid: 0, OOMKilled: oomKilled,
      ExitCode: exit?.exitCode ?? 255,
      Error: exit ? "" : "berth-monitor ended without recording an exit status",
      FinishedAt: exit?.finishedAt || new Date().toISOString(),
    });
    c.exited = undefined;
    this.hooks.exited(c);
    // Written after a wait's answer (a stop's waits for it): until it lands, the record says it runs, and a berthd
    // that ends meanwhile records the exit again from the monitor's exit file when it starts.
    this.#persist(c).catch((err: Error) => log("error", `container ${c.id}: writing its exit failed: ${err.message}`));
    // The kernel's veth deletes (~20 ms each) happen meanwhile, awaited by the next start or remove.
    void this.#leaveNetworks(c).catch(() => undefined);
    this.options.events("die", c.record, { exitCode: String(c.record.State.ExitCode) });
    for (const listener of [...c.exitListeners]) listener();
    // As dockerd's AutoRemove: `docker run --rm` takes the container's anonymous volumes with it.
    if (c.record.HostConfig.AutoRemove) void this.remove(c.id, { force: true, volumes: true }).catch(() => undefined);
  }

  /** Sends `signal` to the container's process; a paused container is thawed so that it can act on it. */
  async #signal(c: Container, signal: number): Promise<void> {
    if (!sendSignal(c.record.State.Pid, signal)) return; // it ended; its monitor is recording the exit
    this.hooks.signalled(c, signal);
    this.options.events("kill", c.record, { signal: String(signal) });
    if (c.record.State.Status === "paused") await this.#thaw(c);
  }

  /** StopSignal, then SIGKILL after `timeoutSeconds` (the request's t, else StopTimeout, else 10; -1 waits forever). */
  stop(ref: string, options: { timeoutSeconds?: number; signal?: string } = {}): Promise<void> {
    const c = this.get(ref);
    c.cancelWaitingStart?.();
    return this.#serial(c, async () => {
      if (c.record.State.Status === "restarting") {
        await this.#endBackOff(c);
        this.options.events("stop", c.record);
        return;
      }
      if (!c.running) throw new NotModifiedError(`container ${c.id} is already stopped`);
      await this.#stop(c, options);
    });
  }

  async #stop(c: Container, options: { timeoutSeconds?: number; signal?: string }): Promise<void> {
    const exited = c.exited!;
    const timeout = options.timeoutSeconds ?? c.record.Config.StopTimeout ?? 10;
    await this.#signal(c, signalNumber(options.signal ?? c.record.Config.StopSignal ?? "SIGTERM"));
    if (timeout < 0) await exited;
    else if (!(await settlesWithin(exited, timeout * 1000))) {
      if (c.running) await this.#signal(c, 9);
      await exited;
    }
    // The exit on record before the answer: a berthd started after a crash must know that the user stopped it.
    await c.writes;
    this.options.events("stop", c.record);
  }

  kill(ref: string, signal = "SIGKILL"): Promise<void> {
    const c = this.get(ref);
    c.cancelWaitingStart?.();
    const number = signalNumber(signal);
    return this.#serial(c, async () => {
      if (c.record.State.Status === "restarting") return this.#endBackOff(c);
      if (!c.running) throw conflict(`cannot kill container: ${ref}: container ${c.id} is not running`);
      const exited = c.exited!;
      await this.#signal(c, number);
      // A SIGKILL's effect is certain, so the call returns once it happened, as Docker's does.
      if (number === 9) await exited.then(() => c.writes);
    });
  }

  restart(ref: string, timeoutSeconds?: number): Promise<void> {
    const c = this.get(ref);
    return this.#serial(c, async () => {
      if (c.record.State.Status === "restarting") await this.#endBackOff(c);
      if (c.running) await this.#stop(c, timeoutSeconds === undefined ? {} : { timeoutSeconds });
      await this.#start(c);
      this.options.events("restart", c.record);
    });
  }

  /** Resolves with the exit code once `condition` holds. Registered at once, so a start right after is not missed. */
  wait(ref: string, condition: WaitCondition = "not-running"): Promise<WaitResult> {
    const c = this.get(ref);
    const result = (): WaitResult => ({
      StatusCode: c.record.State.ExitCode,
      Error: c.record.State.Error ? { Message: c.record.State.Error } : null,
    });
    if (condition === "not-running" && !c.running) return Promise.resolve(result());
    const listeners = condition === "removed" ? c.removedListeners : c.exitListeners;
    return new Promise((resolve) => {
      const done = () => {
        c.exitListeners.delete(done);
        c.removedListeners.delete(done);
        resolve(result());
      };
      listeners.add(done);
      // A container removed while someone waits for its exit will not exit any more.
      c.removedListeners.add(done);
    });
  }

  /** `volumes` (`rm -v`) also removes the container's anonymous volumes that no other container uses. */
  remove(ref: string, options: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    const c = this.get(ref);
    c.cancelWaitingStart?.();
    return this.#serial(c, async () => {
      if (!this.#containers.has(c.id)) return; // removed while this call waited its turn (AutoRemove)
      if (c.running || c.record.State.Status === "restarting") {
        if (!options.force) {
          throw conflict(`You cannot remove a ${c.record.State.Status} container ${c.id}. Stop the container before attempting removal or force remove`);
        }
        const exited = c.exited;
        if (exited) {
          await this.#signal(c, 9);
          await exited;
        }
      }
      // The namespace file is bound in the directory, which cannot go before it. The veth deletes may go on after:
      // the network service makes the network's removal wait for them.
      await this.#leaveNetworks(c);
      c.record.State.Status = "removing";
      // Out of the map first: no new record write starts, and the one under way ends before the rename.
      this.#containers.delete(c.id);
      await c.writes;
      const doomed = join(containersDir(this.options.root), `.removing-${c.id}`);
      await rename(c.dir, doomed);
      // Gone once out of place: its files go after the answer (or at the next start, if berthd ends first).
      void rm(doomed, { recursive: true, force: true }).catch((err: Error) => log("warn", `container ${c.id}: deleting its files failed: ${err.message}`));
      if (options.volumes) await this.#removeAnonymousVolumes(c.record.Mounts);
      this.options.events("destroy", c.record);
      for (const listener of [...c.removedListeners]) listener();
    });
  }

  /**
   * Removes the anonymous volumes among `mounts`, except those another container uses too (VolumesFrom).
   * A failure is logged and the rest go on, as in dockerd: the container is gone either way.
   */
  async #removeAnonymousVolumes(mounts: readonly ContainerMount[]): Promise<void> {
    for (const name of volumeNames(mounts)) {
      if (!this.options.volumes.find(name)?.anonymous || this.usingVolume(name).length > 0) continue;
      try {
        if (await this.options.volumes.remove(name)) this.options.volumeEvents("destroy", name);
      } catch (err) {
        log("warn", `anonymous volume ${name} is kept: ${(err as Error).message}`);
      }
    }
  }

  pause(ref: string): Promise<void> {
    const c = this.get(ref);
    return this.#serial(c, async () => {
      if (c.record.State.Status === "paused") throw conflict(`Container ${c.id} is already paused`);
      if (!c.running) throw conflict(`Container ${c.id} is not running`);
      this.hooks.pausing(c);
      await c.cgroup!.freeze();
      c.record.State.Status = "paused";
      await this.#persist(c);
      this.options.events("pause", c.record);
    });
  }

  unpause(ref: string): Promise<void> {
    const c = this.get(ref);
    return this.#serial(c, async () => {
      if (c.record.State.Status !== "paused") throw conflict(`Container ${c.id} is not paused`);
      await this.#thaw(c);
    });
  }

  async #thaw(c: Container): Promise<void> {
    await c.cgroup!.thaw();
    c.record.State.Status = "running";
    this.hooks.unpaused(c);
    await this.#persist(c);
    this.options.events("unpause", c.record);
  }

  /** A stop or kill during a restart policy's back-off: the restart is off (its start does nothing) and it stays exited. */
  async #endBackOff(c: Container): Promise<void> {
    c.record.HasBeenManuallyStopped = true;
    c.record.State.Status = "exited";
    await this.#persist(c);
  }

  /** Writes the record (health.ts keeps State.Health in it). */
  save(c: Container): Promise<void> {
    return this.#persist(c);
  }

  rename(ref: string, newName: string): Promise<void> {
    const c = this.get(ref);
    const name = checkName(newName);
    return this.#serial(c, async () => {
      const oldName = c.record.Name;
      if (name === oldName) throw conflict(`Renaming a container with the same name as its current name`);
      this.#checkNameFree(name, c);
      c.record.Name = name;
      await this.#persist(c);
      this.options.events("rename", c.record, { oldName: `/${oldName}` });
    });
  }

  #persist(c: Container): Promise<void> {
    const write = c.writes.then(async () => {
      if (this.#containers.has(c.id)) await writeRecord(c.dir, c.record);
    });
    c.writes = write.catch(() => undefined);
    return write;
  }

  #serial<T>(c: Container, work: () => Promise<T>): Promise<T> {
    const run = c.queue.then(work, work);
    c.queue = run.catch(() => undefined);
    return run;
  }
}

/** Resolves once `c` runs or has started since `since` (StartOrder); rejects when a start of it fails or it is removed meanwhile, or on `signal`. */
function startedSince(c: Container, since: number, signal?: AbortSignal): Promise<void> {
  const started = () => c.running || Date.parse(c.record.State.StartedAt) >= since;
  if (started()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      c.startListeners.delete(attempted);
      c.removedListeners.delete(removed);
      signal?.removeEventListener("abort", aborted);
      if (err) reject(err);
      else resolve();
    };
    const attempted = () => done(started() ? undefined : conflict(`${c.record.Name} failed to start: ${c.record.State.Error}`));
    const removed = () => done(conflict(`${c.record.Name} was removed before it started`));
    const aborted = () => done(conflict(`the start was cancelled while it waited for ${c.record.Name}`));
    c.startListeners.add(attempted);
    c.removedListeners.add(removed);
    if (signal?.aborted) aborted();
    else signal?.addEventListener("abort", aborted, { once: true });
  });
}

function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    void promise.finally(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
