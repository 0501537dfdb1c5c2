import assert from "node:assert/strict";
import { Writable } from "node:stream";
import type { ContainerInspectInfo } from "dockerode";
import { main } from "../../../src/cli/main.js";
import { jsonRenderer, lineRenderer, progressRenderer, resolveMode, type ProgressEvent } from "../../../src/orchestrate/progress.js";
import { completedSuccessfully, demultiplex, healthy, runningOrHealthy } from "../../../src/orchestrate/wait.js";
import { formatDependsOn, parseDependsOn } from "../../../src/plan/labels.js";

describe("progress renderers", () => {
  const events: ProgressEvent[] = [
    { resource: "Container demo-web-1", text: "Starting", status: "working" },
    { resource: "Container demo-db-1", text: "Skipped", status: "warning", detail: "optional" },
    { resource: "Container demo-web-1", text: "Started", status: "done" },
  ];
  /** A stream that keeps what is written to it, a terminal when `isTTY`. */
  function capture(isTTY: boolean): NodeJS.WriteStream & { text: string } {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        stream.text += String(chunk);
        done();
      },
    }) as unknown as NodeJS.WriteStream & { text: string };
    Object.assign(stream, { text: "", isTTY, columns: 80 });
    return stream;
  }

  it("plain: every event, one line each, no symbols", () => {
    let out = "";
    events.forEach(lineRenderer((line) => (out += line)));
    assert.equal(out, "Container demo-web-1  Starting\nContainer demo-db-1  Skipped optional\nContainer demo-web-1  Started\n");
  });

  it("json: every event as one JSON object on a line of its own", () => {
    let out = "";
    events.forEach(jsonRenderer((line) => (out += line)));
    const lines = out.split("\n");
    assert.equal(lines.pop(), "", "each object ends its line");
    assert.deepEqual(lines.map((line) => JSON.parse(line)), events);
  });

  it("auto: the task list on a terminal; plain lines off one, or with CI set", () => {
    assert.equal(resolveMode("auto", true, {}), "tty");
    assert.equal(resolveMode("auto", false, {}), "plain");
    assert.equal(resolveMode("auto", true, { CI: "true" }), "plain");
    for (const mode of ["tty", "plain", "json", "quiet"] as const) assert.equal(resolveMode(mode, false, { CI: "1" }), mode);
  });

  it("the chosen renderer writes to its stream: plain and json lines, nothing when quiet", async () => {
    const shown = async (mode: "auto" | "json" | "quiet") => {
      const stream = capture(false);
      const renderer = await progressRenderer(mode, stream, {});
      events.forEach(renderer.progress);
      await renderer.stop();
      return stream.text;
    };
    assert.equal(await shown("auto"), "Container demo-web-1  Starting\nContainer demo-db-1  Skipped optional\nContainer demo-web-1  Started\n");
    assert.equal((await shown("json")).split("\n").length, events.length + 1);
    assert.equal(await shown("quiet"), "");
  });

  it("terminal: a listr2 task list, one task per resource with its result, and its time once done", async () => {
    const stream = capture(true);
    const renderer = await progressRenderer("tty", stream, {});
    events.forEach(renderer.progress);
    renderer.progress({ resource: "Network demo_default", text: "Creating", status: "working" });
    await renderer.stop();
    // the last frame: colours and cursor moves dropped
    const frame = stream.text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").trimEnd().split("\n").slice(-4);
    assert.match(frame[0]!, /Container demo-web-1 {2}Started \[\d+(\.\d)?s\]$/);
    assert.match(frame[1]!, /Container demo-db-1 {2}Skipped optional$/);
    assert.match(frame[2]!, /Network demo_default {2}Interrupted$/, "what still works at the end is shown as not finished");
  });
});

describe("--progress", () => {
  it("takes auto, tty, plain, json or quiet; anything else is an error naming them", async () => {
    const write = process.stderr.write;
    let stderr = "";
    process.stderr.write = ((text: string) => ((stderr += text), true)) as typeof process.stderr.write;
    try {
      assert.equal(await main(["--progress", "fancy", "ls"]), 1);
    } finally {
      process.stderr.write = write;
    }
    assert.match(stderr, /option '--progress <mode>' argument 'fancy' is invalid\. Allowed choices are auto, tty, plain, json, quiet\./);
  });

  it("accepts each mode before a command", async () => {
    const write = process.stdout.write;
    let stdout = "";
    process.stdout.write = ((text: string) => ((stdout += text), true)) as typeof process.stdout.write;
    try {
      for (const mode of ["auto", "tty", "plain", "json", "quiet"]) assert.equal(await main(["--progress", mode, "version", "--short"]), 0, mode);
    } finally {
      process.stdout.write = write;
    }
    assert.equal(stdout.split("\n").length, 6, "version ran each time");
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
