// Healthchecks run by berthd as dockerd runs them (moby daemon/health.go): each probe is an exec in the container
// (with its exec_create, exec_start and exec_die events), its result goes into State.Health (the last five, output
// cut at 4096 bytes), and a change of status is announced as "health_status: healthy|unhealthy". One difference,
// on purpose: the first probe runs as soon as the container starts, where dockerd waits a whole interval.
import { Duplex } from "node:stream";
import { log } from "../../engine/log.js";
import { sendSignal } from "../native.js";
import { frameReader, FRAME } from "./attach-socket.js";
import type { Exec, ExecService } from "./exec.js";
import type { Container, ContainerEvents } from "./lifecycle.js";
import type { HealthcheckResult, HealthState } from "./record.js";

const NS_PER_MS = 1_000_000;

/** dockerd's defaults, in milliseconds. */
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_START_INTERVAL_MS = 5_000;
const DEFAULT_RETRIES = 3;

const MAX_OUTPUT_BYTES = 4096;
const MAX_LOG_ENTRIES = 5;

/** A probe that could not be run (its exec failed to start, the container went away) counts as this exit code. */
const PROBE_ERROR = -1;

/** The healthcheck's times in milliseconds, with dockerd's defaults for those left at 0. */
function timings(c: Container) {
  const check = c.record.Config.Healthcheck ?? {};
  const ms = (ns: number | undefined, fallback: number) => (ns ? ns / NS_PER_MS : fallback);
  return {
    interval: ms(check.Interval, DEFAULT_INTERVAL_MS),
    timeout: ms(check.Timeout, DEFAULT_TIMEOUT_MS),
    startPeriod: ms(check.StartPeriod, 0),
    startInterval: ms(check.StartInterval, DEFAULT_START_INTERVAL_MS),
    retries: check.Retries && check.Retries > 0 ? check.Retries : DEFAULT_RETRIES,
  };
}

/** The command a probe runs, or undefined when there is nothing to run (no healthcheck, NONE). */
export function probeCommand(c: Container): string[] | undefined {
  const [kind, ...rest] = c.record.Config.Healthcheck?.Test ?? [];
  if (kind === "CMD" && rest.length > 0) return rest;
  if (kind === "CMD-SHELL" && rest.length > 0) return ["/bin/sh", "-c", ...rest];
  return undefined;
}

/** Go's time.Duration formatting, which dockerd's timeout message uses: 500ms, 2s, 1m30s. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  return `${hours ? `${hours}h` : ""}${hours || minutes ? `${minutes}m` : ""}${seconds}s`;
}

/** Probe output up to MAX_OUTPUT_BYTES; "..." marks that more was cut, as dockerd's limitedBuffer does. */
class LimitedOutput {
  #chunks: Buffer[] = [];
  #size = 0;
  #truncated = false;

  write(data: Buffer): void {
    const keep = Math.min(MAX_OUTPUT_BYTES - this.#size, data.length);
    if (keep > 0) {
      this.#chunks.push(data.subarray(0, keep));
      this.#size += keep;
    }
    if (keep < data.length) this.#truncated = true;
  }

  toString(): string {
    return Buffer.concat(this.#chunks).toString() + (this.#truncated ? "..." : "");
  }
}

/** The exec's attach stream as ExecService writes it (multiplexed frames): stdout and stderr go to `output`. */
function probeStream(output: LimitedOutput): Duplex {
  const frames = frameReader((type, payload) => {
    if (type === FRAME.stdout || type === FRAME.stderr) output.write(payload);
  });
  return new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, done) {
      frames(chunk);
      done();
    },
  });
}

/** One container's probing, from a start (or unpause, or adoption) to its exit (or pause). */
interface Monitor {
  timer?: NodeJS.Timeout;
  /** The exec of the probe under way. */
  probe?: Exec;
  stopped: boolean;
}

export class HealthChecks {
  readonly #monitors = new Map<Container, Monitor>();

  constructor(
    private readonly execs: ExecService,
    private readonly events: ContainerEvents,
    /** Writes the container's record. */
    private readonly save: (c: Container) => Promise<void>,
  ) {}

  /** After a start: the status begins as "starting" (earlier results stay in the log) and the first probe runs now. */
  start(c: Container): void {
    if (!probeCommand(c)) return;
    this.stop(c);
    const previous = c.record.State.Health;
    c.record.State.Health = { Status: "starting", FailingStreak: 0, Log: previous?.Log ?? [] };
    this.#run(c);
  }

  /** After an unpause or when berthd finds the container running at its start: probing goes on, a probe runs now. */
  resume(c: Container): void {
    if (!probeCommand(c) || this.#monitors.has(c)) return;
    c.record.State.Health ??= { Status: "starting", FailingStreak: 0, Log: [] };
    this.#run(c);
  }

  /**
   * At an exit or a pause: probing stops and a probe under way is killed. The status becomes "unhealthy" without an
   * event, as in dockerd ("for compatibility reasons"); the caller writes the record.
   */
  stop(c: Container): void {
    const monitor = this.#monitors.get(c);
    if (!monitor) return;
    this.#monitors.delete(c);
    monitor.stopped = true;
    clearTimeout(monitor.timer);
    if (monitor.probe?.running) sendSignal(monitor.probe.pid, 9);
    if (c.record.State.Health) c.record.State.Health.Status = "unhealthy";
  }

  #run(c: Container): void {
    const monitor: Monitor = { stopped: false };
    this.#monitors.set(c, monitor);
    const loop = async () => {
      const result = await this.#probe(c, monitor);
      if (monitor.stopped) return;
      await this.#record(c, result);
      if (!monitor.stopped) monitor.timer = setTimeout(() => void loop(), this.#nextDelay(c));
    };
    void loop().catch((err: Error) => log("error", `container ${c.id}: healthcheck failed: ${err.stack}`));
  }

  /** dockerd's getInterval: StartInterval while starting within the start period (never past its end), else Interval. */
  #nextDelay(c: Container): number {
    const { interval, startPeriod, startInterval } = timings(c);
    const left = startPeriod - (Date.now() - Date.parse(c.record.State.StartedAt));
    if (left > 0 && c.record.State.Health?.Status === "starting") return Math.min(startInterval, left);
    return interval;
  }

  /** Runs the probe's command as an exec and waits for it; past the timeout the process is killed. */
  async #probe(c: Container, monitor: Monitor): Promise<HealthcheckResult> {
    const start = new Date();
    const result = (ExitCode: number, Output: string): HealthcheckResult =>
      ({ Start: start.toISOString(), End: new Date().toISOString(), ExitCode, Output });
    const { timeout } = timings(c);
    const output = new LimitedOutput();
    let id: string | undefined;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      id = this.execs.create(c.id, { Cmd: probeCommand(c)!, AttachStdout: true, AttachStderr: true });
      const exec = this.execs.get(id);
      monitor.probe = exec;
      // The process may not run yet when the time is up: it is killed as soon as it does.
      const killWhenRunning = () => {
        if (exec.running) sendSignal(exec.pid, 9);
        else if (exec.exitCode === null) timer = setTimeout(killWhenRunning, 10);
      };
      timer = setTimeout(() => {
        timedOut = true;
        killWhenRunning();
      }, timeout);
      await this.execs.start(id, false, () => probeStream(output));
      if (exec.startError !== undefined) return result(PROBE_ERROR, exec.startError);
      if (timedOut) {
        const out = output.toString();
        return result(PROBE_ERROR, `Health check exceeded timeout (${goDuration(timeout)})${out ? `: ${out}` : ""}`);
      }
      return result(exec.exitCode ?? PROBE_ERROR, output.toString());
    } catch (err) {
      return result(PROBE_ERROR, (err as Error).message);
    } finally {
      clearTimeout(timer);
      monitor.probe = undefined;
      if (id !== undefined) this.execs.forget(id);
    }
  }

  /**
   * dockerd's handleProbeResult. A failure while starting and still within the start period does not count; a
   * success ends the starting phase. The record is written when the status or the streak changed (the log alone
   * goes to disk with the next write), and a new status is announced.
   */
  async #record(c: Container, result: HealthcheckResult): Promise<void> {
    const health: HealthState = c.record.State.Health!;
    const before = { status: health.Status, streak: health.FailingStreak };
    health.Log = [...health.Log, result].slice(-MAX_LOG_ENTRIES);
    if (result.ExitCode === 0) {
      health.FailingStreak = 0;
      health.Status = "healthy";
    } else {
      const { startPeriod, retries } = timings(c);
      const inStartPeriod = Date.parse(result.Start) - Date.parse(c.record.State.StartedAt) < startPeriod;
      if (!(health.Status === "starting" && inStartPeriod)) {
        health.FailingStreak += 1;
        if (health.FailingStreak >= retries) health.Status = "unhealthy";
      }
    }
    if (health.Status !== before.status || health.FailingStreak !== before.streak) await this.save(c);
    if (health.Status !== before.status) this.events(`health_status: ${health.Status}`, c.record);
  }
}
