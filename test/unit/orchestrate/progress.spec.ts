import assert from "node:assert/strict";
import type { ContainerInspectInfo } from "dockerode";
import { lineRenderer, type ProgressEvent } from "../../../src/orchestrate/progress.js";
import { ttyRenderer } from "../../../src/orchestrate/progress-tty.js";
import { completedSuccessfully, demultiplex, healthy, runningOrHealthy } from "../../../src/orchestrate/wait.js";
import { formatDependsOn, parseDependsOn } from "../../../src/plan/labels.js";

describe("progress renderers", () => {
  const events: ProgressEvent[] = [
    { resource: "Container demo-web-1", text: "Starting", status: "working" },
    { resource: "Container demo-db-1", text: "Skipped", status: "warning", detail: "optional" },
    { resource: "Container demo-web-1", text: "Started", status: "done" },
  ];
  /** What a terminal shows after `text` was written to it: cursor-up-and-clear redraws applied, colours dropped. */
  function screen(text: string): string[] {
    const rows: string[] = [];
    let row = 0;
    for (const part of text.split(/(\x1b\[\d+F|\x1b\[2K|\n)/)) {
      const up = /^\x1b\[(\d+)F$/.exec(part);
      if (part === "") continue;
      if (up) row -= Number(up[1]);
      else if (part === "\n") row++;
      else if (part === "\x1b[2K") rows[row] = "";
      else rows[row] = (rows[row] ?? "") + part.replace(/\x1b\[\d+m/g, "");
    }
    return rows;
  }

  it("plain: every event, one line each, no symbols", () => {
    let out = "";
    events.forEach(lineRenderer((line) => (out += line)));
    assert.equal(out, "Container demo-web-1  Starting\nContainer demo-db-1  Skipped optional\nContainer demo-web-1  Started\n");
  });

  it("terminal: one line per resource redrawn in place, marked, with its elapsed time, under a running count", () => {
    let out = "";
    let clock = 0;
    const tty = ttyRenderer((text) => (out += text), 50, () => clock);
    tty.progress(events[0]!);
    const first = screen(out);
    assert.equal(first[0], "[+] Running 0/1");
    assert.match(first[1]!, /^ ⠋ Container demo-web-1 {2}Starting +0\.0s$/);
    assert.equal(first[1]!.length, 50, "the time is right-aligned to the width");
    clock = 1200;
    tty.progress(events[1]!);
    clock = 2500;
    tty.progress(events[2]!);
    tty.stop();
    const last = screen(out);
    assert.equal(last.length, 3, "redrawn in place, not appended");
    assert.equal(last[0], "[+] Running 2/2");
    assert.match(last[1]!, /^ ✔ Container demo-web-1 {2}Started +2\.5s$/);
    assert.match(last[2]!, /^ ! Container demo-db-1 {2}Skipped optional +0\.0s$/);
  });

  it("terminal: a line too long for the width is cut, keeping the time", () => {
    let out = "";
    const tty = ttyRenderer((text) => (out += text), 30, () => 0);
    tty.progress(events[2]!);
    tty.stop();
    assert.equal(screen(out).at(-1), " ✔ Container demo-web-1 … 0.0s");
    assert.equal(screen(out).at(-1)!.length, 30);
  });
});

describe("container state checks", () => {
  const info = (state: Partial<ContainerInspectInfo["State"]>, test?: string[]) =>
    ({ Name: "/demo-db-1", State: { Running: false, Status: "running", ExitCode: 0, ...state }, Config: { ...(test && { Healthcheck: { Test: test } }) } }) as unknown as ContainerInspectInfo;
  const CHECK = ["CMD", "true"];

  it("healthy: done when healthy; fails when unhealthy, exited or without a healthcheck; waits while starting", () => {
    assert.deepEqual(healthy(info({ Running: true, Health: { Status: "healthy" } } as never, CHECK)), { done: true });
    assert.deepEqual(healthy(info({ Running: true, Health: { Status: "starting" } } as never, CHECK)), { done: false });
    assert.deepEqual(healthy(info({ Running: true, Health: { Status: "unhealthy" } } as never, CHECK)), { done: false, failed: "is unhealthy" });
    assert.deepEqual(healthy(info({ Status: "exited", ExitCode: 3 }, CHECK)), { done: false, failed: "exited (3)" });
    assert.deepEqual(healthy(info({ Running: true }, ["NONE"])), { done: false, failed: "has no healthcheck configured" });
  });

  it("completed successfully: exit 0 only; running waits", () => {
    assert.deepEqual(completedSuccessfully(info({ Running: true })), { done: false });
    assert.deepEqual(completedSuccessfully(info({ Status: "exited", ExitCode: 0 })), { done: true });
    assert.deepEqual(completedSuccessfully(info({ Status: "exited", ExitCode: 1 })), { done: false, failed: "exited (1)" });
  });

  it("running or healthy (--wait): running suffices without a healthcheck; an exit fails", () => {
    assert.deepEqual(runningOrHealthy(info({ Running: true })), { done: true });
    assert.deepEqual(runningOrHealthy(info({ Status: "exited", ExitCode: 0 })), { done: false, failed: "exited (0)" });
    assert.deepEqual(runningOrHealthy(info({ Running: true, Health: { Status: "starting" } } as never, CHECK)), { done: false });
  });

  it("log frames are demultiplexed in order", () => {
    const frame = (stream: number, text: string) => Buffer.concat([Buffer.from([stream, 0, 0, 0, 0, 0, 0, text.length]), Buffer.from(text)]);
    assert.equal(demultiplex(Buffer.concat([frame(1, "out\n"), frame(2, "err\n")])), "out\nerr\n");
  });
});

describe("depends_on label", () => {
  it("round-trips compose's service:condition:restart list", () => {
    const deps = [{ service: "db", condition: "service_healthy", restart: true }, { service: "cache", condition: "service_started", restart: false }];
    assert.equal(formatDependsOn(deps), "db:service_healthy:true,cache:service_started:false");
    assert.deepEqual(parseDependsOn(formatDependsOn(deps)), deps);
    assert.deepEqual(parseDependsOn(undefined), []);
  });
});
