// `POST /containers/create`'s body checked and merged with the image's config the way dockerd does it at
// create time, so that inspect shows what will run. Everything berth cannot do yet is refused here, before
// anything exists, with a message that says so. Mounts are checked by the volume runtime's planMounts.
import type { ContainerCreateOptions, HostConfig } from "dockerode";
import type { RunConfig } from "../image/config.js";
import { planPorts } from "../network/ports-spec.js";
import { invalid, NotImplementedError } from "./errors.js";
import { shortId } from "./names.js";
import type { ContainerConfig } from "./record.js";

export type CreateRequest = Omit<ContainerCreateOptions, "name" | "platform" | "abortSignal">;

/** Capability names the kernel knows (without CAP_), for CapAdd/CapDrop. */
export const ALL_CAPS = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT",
  "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
  "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
  "PERFMON", "BPF", "CHECKPOINT_RESTORE",
].map((c) => `CAP_${c}`);

/** Security options that only concern mechanisms berth does not apply (seccomp, AppArmor, SELinux) turned off. */
const NO_OP_SECURITY_OPTS = ["seccomp=unconfined", "seccomp:unconfined", "apparmor=unconfined", "apparmor:unconfined", "label=disable", "label:disable"];

const asList = (value: string | string[] | null | undefined): string[] | null =>
  value === undefined || value === null ? null : typeof value === "string" ? [value] : value;

/** Image env first, the request's entries replace those of the same name. */
export function mergeEnv(base: string[], overrides: string[]): string[] {
  const merged = new Map<string, string>();
  for (const entry of [...base, ...overrides]) merged.set(entry.split("=", 1)[0]!, entry);
  return [...merged.values()];
}

/**
 * The Config dockerd stores: the request, with the image's defaults for what the request leaves out.
 * The request's healthcheck is checked first, as dockerd does at create.
 */
export function mergeConfig(id: string, request: CreateRequest, image: RunConfig): ContainerConfig {
  checkHealthcheck(request.Healthcheck);
  const entrypoint = asList(request.Entrypoint);
  // An explicit empty entrypoint resets the image's, and any entrypoint given drops the image's Cmd.
  const resetEntrypoint = entrypoint !== null && (entrypoint.length === 0 || (entrypoint.length === 1 && entrypoint[0] === ""));
  return {
    Hostname: request.Hostname || shortId(id),
    Domainname: request.Domainname ?? "",
    User: request.User ?? image.User ?? "",
    AttachStdin: request.AttachStdin ?? false,
    AttachStdout: request.AttachStdout ?? false,
    AttachStderr: request.AttachStderr ?? false,
    Tty: request.Tty ?? false,
    OpenStdin: request.OpenStdin ?? false,
    StdinOnce: request.StdinOnce ?? false,
    Env: mergeEnv(image.Env ?? [], request.Env ?? []),
    Cmd: request.Cmd ?? (entrypoint !== null ? null : (image.Cmd ?? null)),
    Entrypoint: resetEntrypoint ? null : (entrypoint ?? image.Entrypoint ?? null),
    Image: request.Image!,
    WorkingDir: request.WorkingDir || image.WorkingDir || "",
    Labels: { ...(image.Labels ?? {}), ...(request.Labels ?? {}) },
    ...((request.ExposedPorts ?? image.ExposedPorts) && { ExposedPorts: { ...image.ExposedPorts, ...request.ExposedPorts } }),
    // The image's VOLUMEs and the request's: each gets an anonymous volume unless something else is mounted there.
    ...((request.Volumes ?? image.Volumes) && { Volumes: { ...image.Volumes, ...request.Volumes } }),
    ...((request.StopSignal ?? image.StopSignal) && { StopSignal: request.StopSignal ?? image.StopSignal }),
    ...(request.StopTimeout !== undefined && { StopTimeout: request.StopTimeout }),
    ...((request.Healthcheck ?? image.Healthcheck) && { Healthcheck: mergeHealthcheck(request.Healthcheck, image.Healthcheck) }),
  };
}

type Healthcheck = NonNullable<RunConfig["Healthcheck"]>;

/** As dockerd (at create and commit): each field the request leaves unset (empty or 0) comes from the image's HEALTHCHECK. */
export function mergeHealthcheck(request: Healthcheck | undefined, image: Healthcheck | undefined): Healthcheck {
  if (!request || !image) return (request ?? image)!;
  const merged: Healthcheck = { ...request };
  if (!request.Test?.length && image.Test) merged.Test = image.Test;
  for (const field of ["Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"] as const) {
    if (!request[field] && image[field]) merged[field] = image[field];
  }
  return merged;
}

/** The shortest duration dockerd accepts for a healthcheck's times: 1 ms, in nanoseconds. */
const MINIMUM_DURATION_NS = 1_000_000;

/** dockerd's checks of Config.Healthcheck, with its messages; and a Test berth can run. */
function checkHealthcheck(check: Healthcheck | undefined): void {
  if (!check) return;
  for (const field of ["Interval", "Timeout", "StartPeriod", "StartInterval"] as const) {
    const value = check[field] ?? 0;
    if (value !== 0 && value < MINIMUM_DURATION_NS) throw invalid(`${field} in Healthcheck cannot be less than 1ms`);
  }
  if ((check.Retries ?? 0) < 0) throw invalid("Retries in Healthcheck cannot be negative");
  const kind = check.Test?.[0];
  if (kind !== undefined && !["NONE", "CMD", "CMD-SHELL"].includes(kind)) {
    throw invalid(`unknown healthcheck type "${kind}": Test starts with CMD, CMD-SHELL or NONE`);
  }
  if ((kind === "CMD" || kind === "CMD-SHELL") && check.Test!.length < 2) throw invalid(`healthcheck ${kind} needs a command after it`);
}

export function commandOf(config: ContainerConfig): string[] {
  const argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length === 0) throw invalid("no command specified: the image has no Cmd or Entrypoint, and the request gives none");
  return argv;
}

const later = (what: string) => new NotImplementedError(`${what} is not supported by berth yet`);

/** Rejects, before anything is made, every HostConfig field berth cannot honour yet. */
export function checkHostConfig(host: HostConfig): void {
  for (const cap of [...((host.CapAdd as string[] | null) ?? []), ...((host.CapDrop as string[] | null) ?? [])]) {
    const name = cap.toUpperCase().startsWith("CAP_") ? cap.toUpperCase() : `CAP_${cap.toUpperCase()}`;
    if (cap.toUpperCase() !== "ALL" && !ALL_CAPS.includes(name)) throw invalid(`unknown capability: "${cap}": use a name such as NET_ADMIN, or ALL`);
  }
  for (const opt of (host.SecurityOpt as string[] | null) ?? []) {
    if (/^no-new-privileges(?:[:=](true|false))?$/.test(opt) || NO_OP_SECURITY_OPTS.includes(opt)) continue;
    throw invalid(`invalid security option "${opt}": berth accepts no-new-privileges[:true|false], and seccomp=unconfined, ` +
      `apparmor=unconfined and label=disable (berth applies none of those mechanisms)`);
  }
  // Other modes name a network: networking.ts resolves them.
  const mode = host.NetworkMode ?? "";
  if (mode === "host") {
    const net = Object.keys(host.Sysctls ?? {}).find((name) => name.startsWith("net."));
    if (net) throw invalid(`sysctl "${net}" is not allowed with the host's network: it would change the host`);
  }
  // Bad port bindings are refused at create, as dockerd does; they are published at start (ports.ts).
  planPorts({ PortBindings: host.PortBindings, PublishAllPorts: host.PublishAllPorts });
  for (const [field, value] of [["IpcMode", host.IpcMode], ["PidMode", host.PidMode], ["UTSMode", host.UTSMode], ["UsernsMode", host.UsernsMode]]) {
    if (value && value !== "private" && value !== "shareable") throw later(`${field} "${value}"`);
  }
  if (host.Links && (host.Links as string[]).length > 0) throw later("Links");
  if (host.Devices && (host.Devices as unknown[]).length > 0) throw later("Devices");
  checkRestartPolicy(host);
  const log = host.LogConfig?.Type ?? "";
  if (log !== "" && log !== "json-file") throw invalid(`log driver "${log}": berth writes json-file logs only`);
  for (const limit of host.Ulimits ?? []) {
    if (!limit.Name || (limit.Soft ?? 0) > (limit.Hard ?? 0)) {
      throw invalid(`invalid ulimit ${JSON.stringify(limit)}: needs a Name and Soft <= Hard`);
    }
  }
  if (host.ShmSize !== undefined && host.ShmSize < 0) throw invalid("SHM size can not be less than 0");
}

/** dockerd's validateRestartPolicy and its AutoRemove rule, with their messages. */
function checkRestartPolicy(host: HostConfig): void {
  const { Name: name = "", MaximumRetryCount: retries = 0 } = host.RestartPolicy ?? {};
  switch (name) {
    case "":
    case "no":
    case "always":
    case "unless-stopped":
      if (retries !== 0) {
        throw invalid(`invalid restart policy: maximum retry count can only be used with 'on-failure'${retries < 0 ? " and cannot be negative" : ""}`);
      }
      break;
    case "on-failure":
      if (retries < 0) throw invalid("invalid restart policy: maximum retry count cannot be negative");
      break;
    default:
      throw invalid(`invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  }
  if (host.AutoRemove && name !== "" && name !== "no") throw invalid("can't create 'AutoRemove' container with restart policy");
}
