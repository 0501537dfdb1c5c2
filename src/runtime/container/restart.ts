// Restart policies as dockerd applies them (moby restartmanager, daemon/monitor.go, daemon/kill.go): after an exit
// the policy accepts, the container is "restarting" for a back-off that starts at 100 ms, doubles with each restart,
// stops growing at a minute and starts over once the container ran 10 s; then it is started again and RestartCount
// goes up. A stop or kill through the API ends this until the next start through the API. When berthd starts,
// containers whose policy asks for it are started again, as dockerd does at its own start.
import { log } from "../../engine/log.js";
import type { Container, ContainerService } from "./lifecycle.js";
import { ZERO_TIME, type ContainerRecord } from "./record.js";
import { signalNumber } from "./spec.js";

const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 60_000;
/** A container that ran this long starts over at the first delay. */
const RESET_AFTER_MS = 10_000;

const SIGKILL = 9;

/** Whether the container's restart policy starts it again after the exit in its record. */
export function policyRestarts(record: ContainerRecord): boolean {
  const { Name: name = "no", MaximumRetryCount: max = 0 } = record.HostConfig.RestartPolicy ?? {};
  switch (name) {
    case "always":
      return true;
    case "unless-stopped":
      return !record.HasBeenManuallyStopped;
    case "on-failure":
      return record.State.ExitCode !== 0 && (max === 0 || record.RestartCount < max);
    default:
      return false;
  }
}

/**
 * Whether a signal sent through the API ends restarts (dockerd's ExitOnNext): SIGKILL and the container's stop
 * signal do; when the container has no StopSignal of its own, every signal does.
 */
export function endsRestarts(record: ContainerRecord, signal: number): boolean {
  const stopSignal = record.Config.StopSignal;
  return signal === SIGKILL || !stopSignal || signalNumber(stopSignal) === signal;
}

/** The back-off before the next restart, given the previous one (undefined after a start through the API). */
export function nextDelay(previous: number | undefined, ranForMs: number): number {
  if (previous === undefined || ranForMs >= RESET_AFTER_MS) return FIRST_DELAY_MS;
  return Math.min(previous * 2, MAX_DELAY_MS);
}

export class RestartPolicies {
  /** Containers a stop or kill through the API took out of their policy until their next start. */
  readonly #cancelled = new WeakSet<Container>();
  /** The last back-off of each container restarted by its policy since its last start through the API. */
  readonly #delays = new WeakMap<Container, number>();

  constructor(private readonly containers: ContainerService) {}

  /** A signal went to the container through the API (stop, kill, rm -f). */
  signalled(c: Container, signal: number): void {
    c.record.HasBeenManuallyStopped = true;
    if (endsRestarts(c.record, signal)) this.#cancelled.add(c);
  }

  /** The container's process started: by the API (which resets the count) or by its policy. */
  started(c: Container): void {
    this.#cancelled.delete(c);
    if (c.record.RestartCount === 0) this.#delays.delete(c);
  }

  /**
   * The container's process ended and its record says how (not written yet). When the policy restarts it, it
   * becomes "restarting" and is started after the back-off, unless a stop, kill or removal comes first.
   */
  exited(c: Container): void {
    const { record } = c;
    if (this.#cancelled.has(c) || !policyRestarts(record)) return;
    const delay = nextDelay(this.#delays.get(c), Date.now() - Date.parse(record.State.StartedAt));
    this.#delays.set(c, delay);
    record.RestartCount += 1;
    record.State.Status = "restarting";
    setTimeout(() => void this.#restart(c), delay);
  }

  async #restart(c: Container, by: "policy" | "api" = "policy"): Promise<void> {
    try {
      await this.containers.start(c.id, by);
    } catch (err) {
      log("warn", `container ${c.id}: restart by its policy failed: ${(err as Error).message}`);
    }
  }

  /**
   * At berthd's start: containers waiting for a restart when berthd went down get it now; those that ended while
   * it was down, or before, are started as dockerd does at its start (through the API's start, which resets
   * RestartCount) if their policy says so: `always` brings back even a container stopped by hand, `unless-stopped`
   * does not, and a container never started stays as it is.
   */
  async resumeAfterBoot(): Promise<void> {
    const all = this.containers.list();
    const waiting = all.filter(({ record }) => record.State.Status === "restarting");
    const due = all.filter(({ record }) => record.State.Status === "exited" && record.State.StartedAt !== ZERO_TIME && policyRestarts(record));
    await Promise.all([...waiting.map((c) => this.#restart(c)), ...due.map((c) => this.#restart(c, "api"))]);
  }
}
