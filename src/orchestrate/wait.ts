// Waiting on containers' states: healthy, running, or exited 0. Each wait follows the engine's event stream
// for the container and inspects it again on every event, so it answers as soon as the state changes.
import type Docker from "dockerode";
import type { ContainerInspectInfo } from "dockerode";
import { UserError } from "../compose/errors.js";

/** What a check makes of an inspect answer: done, still waiting, or failed with a reason ("exited (1)"). */
export type Verdict = { done: true } | { done: false; failed?: string };

/** A backstop for engines that miss an event (health_status is recent in berthd): inspect again this often. */
const BACKSTOP_MS = 2000;

export function hasHealthcheck(info: ContainerInspectInfo): boolean {
  const test = info.Config.Healthcheck?.Test;
  return Array.isArray(test) && test.length > 0 && test[0] !== "NONE";
}

function exited(info: ContainerInspectInfo): string | undefined {
  const state = info.State;
  if (state.Running || state.Status === "created") return undefined;
  return `exited (${state.ExitCode})`;
}

export const healthy = (info: ContainerInspectInfo): Verdict => {
  if (!hasHealthcheck(info)) return { done: false, failed: "has no healthcheck configured" };
  const health = info.State.Health?.Status;
  if (health === "healthy") return { done: true };
  if (health === "unhealthy") return { done: false, failed: "is unhealthy" };
  const gone = exited(info);
  return gone ? { done: false, failed: gone } : { done: false };
};

export const completedSuccessfully = (info: ContainerInspectInfo): Verdict => {
  const state = info.State;
  if (state.Running || state.Status === "created" || state.Restarting) return { done: false };
  return state.ExitCode === 0 ? { done: true } : { done: false, failed: `exited (${state.ExitCode})` };
};

/** `up --wait`: healthy when a healthcheck is configured, else running. */
export const runningOrHealthy = (info: ContainerInspectInfo): Verdict => {
  if (hasHealthcheck(info)) return healthy(info);
  const gone = exited(info);
  if (gone) return { done: false, failed: gone };
  return info.State.Running ? { done: true } : { done: false };
};

/** A container that failed a wait: its name, what happened, its last log lines. */
export class ContainerFailed extends UserError {
  constructor(readonly container: string, readonly reason: string, readonly logTail: string, prefix = "") {
    super(`${prefix}container ${container} ${reason}${logTail ? `\nlast log lines of ${container}:\n${logTail}` : ""}`);
  }
}

/** Resolves once `check` is done for the container; rejects with ContainerFailed when it fails, or when `signal` aborts. */
export async function waitFor(docker: Docker, id: string, check: (info: ContainerInspectInfo) => Verdict, signal?: AbortSignal): Promise<void> {
  const container = docker.getContainer(id);
  /** true when done; throws when failed or aborted */
  const settled = async (info: ContainerInspectInfo): Promise<boolean> => {
    const verdict = check(info);
    if (verdict.done) return true;
    if (verdict.failed) throw new ContainerFailed(info.Name.replace(/^\//, ""), verdict.failed, await logTail(docker, id));
    if (signal?.aborted) throw signal.reason;
    return false;
  };
  // A first look answers most waits (a started container without a healthcheck runs): no event stream for those.
  if (await settled(await container.inspect())) return;
  // Subscribed before the next inspect, so no change between the two goes unseen.
  const events = (await docker.getEvents({ filters: { type: ["container"], container: [id] } })) as NodeJS.ReadableStream & { destroy(): void };
  let wake: () => void = () => {};
  const onEvent = () => wake();
  events.on("data", onEvent);
  events.on("error", onEvent);
  const abort = () => wake();
  signal?.addEventListener("abort", abort);
  try {
    for (;;) {
      const changed = new Promise<void>((resolve) => (wake = resolve));
      if (await settled(await container.inspect())) return;
      const backstop = setTimeout(wake, BACKSTOP_MS);
      await changed;
      clearTimeout(backstop);
      if (signal?.aborted) throw signal.reason;
    }
  } finally {
    signal?.removeEventListener("abort", abort);
    events.destroy();
  }
}

const TAIL_LINES = 10;

/** The container's last log lines, indented; empty when there are none or the engine cannot give them. */
export async function logTail(docker: Docker, id: string): Promise<string> {
  try {
    const container = docker.getContainer(id);
    const [info, raw] = await Promise.all([container.inspect(), container.logs({ stdout: true, stderr: true, tail: TAIL_LINES, follow: false })]);
    const text = info.Config.Tty ? raw.toString("utf8") : demultiplex(raw);
    return text.split("\n").filter(Boolean).slice(-TAIL_LINES).map((line) => `  ${line}`).join("\n");
  } catch {
    return "";
  }
}

/** The payloads of a non-TTY log stream's 8-byte-header frames, in order. */
export function demultiplex(raw: Buffer): string {
  const parts: Buffer[] = [];
  let at = 0;
  while (at + 8 <= raw.length) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8");
}
