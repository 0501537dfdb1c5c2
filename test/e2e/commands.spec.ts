// The compose command set beyond up/down/ps, against an isolated berthd: logs, exec, run, create, start, stop,
// restart, kill, pause, unpause, rm, top, port, ls, wait, events, images, cp and version, on one small project
// brought up once; each result asserted from outside (exit status, output, the engine's view of the containers),
// and nothing of the project left after down.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { Agent } from "node:http";
import { join } from "node:path";
import Docker from "dockerode";
import { startEngine, stopEngine, type Engine } from "../integration/containers/helpers.js";
import { berthOk, root, runBerth } from "./run-berth.js";

// Each service ends at once on SIGTERM (sleep as PID 1 would not), so stops take no grace period.
const serve = (line: string) => ["sh", "-c", `${line}; trap 'exit 0' TERM; sleep 1000 & wait`];

const STACK = JSON.stringify({
  name: "cmds",
  services: {
    db: { image: "berth/host", command: serve("echo db-line-1; echo db-line-2 >&2"), networks: ["back"] },
    web: {
      image: "berth/host",
      command: serve("echo web says $$GREETING"),
      environment: { GREETING: "hi" },
      networks: ["back"],
      depends_on: ["db"],
    },
    job: { image: "berth/host", command: ["sh", "-c", "exit 5"], profiles: ["jobs"] },
    idle: { image: "berth/host", command: serve("true"), network_mode: "none", profiles: ["idle"] },
  },
  networks: { back: {} },
});

describe("berth logs / exec / run / lifecycle / info commands (e2e, root)", function () {
  this.timeout(120_000);
  let engine: Engine;
  let dir: string;
  let elsewhere: string;
  const host = () => `unix://${engine.daemon.socket}`;
  const berth = (args: string[], cwd = dir, input?: string) => runBerth(cwd, ["--host", host(), ...args], {}, input);
  const ok = (args: string[], cwd = dir, input?: string) => berthOk(cwd, engine.daemon.socket, args, input);
  const fails = (args: string[], status: number, message: RegExp) => {
    const r = berth(args);
    assert.equal(r.status, status, `berth ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, message);
    return r;
  };
  /**
   * A client without keep-alive: spawnSync blocks this process's event loop, so a kept-alive socket that berthd
   * closed meanwhile would only be noticed when written to (EPIPE).
   */
  const docker = () => new Docker({ socketPath: engine.daemon.socket, agent: new Agent({ keepAlive: false }) } as Docker.DockerOptions);
  /** Container name → state, of the project's containers. */
  const states = async (all = true) => {
    const list = await docker().listContainers({ all, filters: { label: ["com.docker.compose.project=cmds"] } });
    return Object.fromEntries(list.map((c) => [c.Names[0]!.slice(1), c.State]));
  };

  before(async () => {
    engine = await startEngine();
    dir = mkdtempSync(join(tmpdir(), "berth-cmds-"));
    elsewhere = mkdtempSync(join(tmpdir(), "berth-cmds-nofile-"));
    writeFileSync(join(dir, "compose.yaml"), STACK);
    ok(["up", "-d"]);
  });
  after(async () => {
    try {
      ok(["down", "--remove-orphans"]);
      assert.deepEqual(await states(), {}, "down leaves no container of the project, one-offs included");
      assert.deepEqual(await docker().listNetworks({ filters: { label: ["com.docker.compose.project=cmds"] } }), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(elsewhere, { recursive: true, force: true });
      await stopEngine(engine);
    }
  });

  it("version prints berth's version", () => {
    const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
    assert.equal(ok(["version"]).stdout, `berth version ${version}\n`);
    assert.equal(ok(["version", "--short"]).stdout, `${version}\n`);
  });

  it("logs shows every container's output with a <service>-<n> prefix, stderr included; --no-log-prefix, --tail, -t, --since", () => {
    const all = ok(["logs"]).stdout.split("\n").filter(Boolean).sort();
    assert.deepEqual(all, ["db-1   | db-line-1", "db-1   | db-line-2", "web-1  | web says hi"]);
    assert.equal(ok(["logs", "--no-log-prefix", "web"]).stdout, "web says hi\n");
    assert.equal(ok(["logs", "--no-log-prefix", "--tail", "1", "db"]).stdout.split("\n").filter(Boolean).length, 1);
    assert.match(ok(["logs", "-t", "web"]).stdout, /^web-1 {2}\| \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z web says hi\n$/);
    assert.equal(ok(["logs", "--since", "2099-01-01T00:00:00Z"]).stdout, "", "nothing is that recent");
    assert.equal(ok(["logs", "--no-log-prefix", "--since", "1h", "web"]).stdout, "web says hi\n");
    assert.equal(ok(["logs", "--until", "1970-01-02T00:00:00Z"]).stdout, "", "nothing is that old");
    assert.equal(ok(["-p", "cmds", "logs", "--no-log-prefix", "web"], elsewhere).stdout, "web says hi\n", "works from labels alone");
    fails(["logs", "--tail", "x"], 1, /invalid --tail "x"/);
    fails(["logs", "nosuch"], 1, /no such service "nosuch"/);
  });

  it("logs -f follows until the containers stop", async () => {
    const follower = spawn(process.execPath, [join(root, "bin/berth.js"), "--host", host(), "logs", "-f", "--no-log-prefix", "db"], { cwd: dir });
    let out = "";
    follower.stdout.on("data", (chunk: Buffer) => (out += chunk));
    const exited = new Promise<number | null>((resolve) => follower.once("exit", resolve));
    await docker().getContainer("cmds-db-1").exec({ Cmd: ["sh", "-c", "echo late-line > /proc/1/fd/1"], AttachStdout: true }).then((e) => e.start({ Detach: true }));
    while (!out.includes("late-line")) await new Promise((r) => setTimeout(r, 20));
    ok(["stop", "db"]);
    assert.equal(await exited, 0);
    assert.deepEqual(out.split("\n").filter(Boolean).sort(), ["db-line-1", "db-line-2", "late-line"]);
    ok(["start", "db"]);
  });

  it("exec runs in the running container with -e, -u, -w, passes standard input, and exits with the command's status", () => {
    assert.equal(ok(["exec", "-T", "-e", "FOO=bar", "web", "sh", "-c", "echo $FOO $GREETING"]).stdout, "bar hi\n");
    assert.equal(ok(["exec", "-T", "-u", "nobody", "-w", "/tmp", "web", "sh", "-c", "id -u; pwd"]).stdout, "65534\n/tmp\n");
    assert.equal(ok(["exec", "-T", "web", "cat"], dir, "through stdin\n").stdout, "through stdin\n");
    const failed = berth(["exec", "-T", "web", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    assert.deepEqual([failed.status, failed.stdout, failed.stderr], [3, "out\n", "err\n"]);
    fails(["exec", "--index", "2", "web", "true"], 1, /service "web" has no container with index 2/);
    fails(["--profile", "jobs", "exec", "job", "true"], 1, /service "job" is not running/);
  });

  it("exec gets a real TTY when standard input is a terminal, and none with -T", async () => {
    // under script(1), berth's standard streams are a pseudo-terminal; script's own stdin stays open until the end
    const inPty = async (args: string) => {
      const child = spawn("script", ["-qec", `${process.execPath} ${join(root, "bin/berth.js")} --host ${host()} ${args}`, "/dev/null"], { cwd: dir });
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk));
      const status = await new Promise<number | null>((resolve) => child.once("exit", resolve));
      child.stdin.end();
      return { status, out };
    };
    const tty = await inPty("exec web tty");
    assert.equal(tty.status, 0, tty.out);
    assert.match(tty.out, /\/dev\/pts\/\d+\r*\n/);
    const noTty = await inPty("exec -T web tty");
    assert.match(noTty.out, /not a tty/);
  });

  it("run makes a one-off container, named and labelled as compose does, with the exit status of its command", async () => {
    const run = berth(["run", "-T", "-e", "EXTRA=1", "web", "sh", "-c", "echo one-off $GREETING $EXTRA; exit 4"]);
    assert.equal(run.status, 4, run.stderr);
    assert.equal(run.stdout, "one-off hi 1\n");
    const oneOffs = await docker().listContainers({ all: true, filters: { label: ["com.docker.compose.project=cmds", "com.docker.compose.oneoff=True"] } });
    assert.equal(oneOffs.length, 1);
    assert.match(oneOffs[0]!.Names[0]!, /^\/cmds-web-run-[0-9a-f]{12}$/);
    assert.equal(oneOffs[0]!.Labels["com.docker.compose.service"], "web");
    const ps = ok(["ps", "--format", "json"]).stdout.trim().split("\n").map((l) => JSON.parse(l) as { Name: string });
    assert.deepEqual(ps.map((c) => c.Name).sort(), ["cmds-db-1", "cmds-web-1"], "ps without -a lists running containers only: the one-off has exited");
    ok(["rm", "-f", "web"]);
    assert.equal((await states())["cmds-web-1"], "running", "rm leaves running containers alone");
    assert.equal(Object.keys(await states()).some((n) => n.includes("-run-")), false, "rm removes stopped one-offs");
  });

  it("run --rm removes its container; --entrypoint, --name, -d; dependencies are started first, --no-deps does not", async () => {
    assert.equal(ok(["run", "--rm", "-T", "--entrypoint", "echo", "web", "via", "entrypoint"]).stdout, "via entrypoint\n");
    assert.equal(Object.keys(await states()).some((n) => n.includes("-run-")), false);

    ok(["stop", "db"]);
    ok(["run", "--rm", "-T", "--no-deps", "web", "true"]);
    assert.equal((await states())["cmds-db-1"], "exited", "--no-deps leaves db stopped");
    const detached = ok(["run", "-d", "--name", "cmds-custom", "web", ...serve("true")]);
    assert.equal(detached.stdout, "cmds-custom\n");
    assert.equal((await states())["cmds-db-1"], "running", "db was started before the one-off");
    const custom = await docker().getContainer("cmds-custom").inspect();
    assert.equal(custom.Config.Labels["com.docker.compose.oneoff"], "True");
    assert.equal(custom.State.Running, true);
    ok(["rm", "-s", "-f", "web"]);
    assert.equal("cmds-custom" in (await states()), false);
    assert.equal("cmds-web-1" in (await states()), false, "rm -s stops and removes");
    ok(["up", "-d"]);
  });

  it("create makes containers without starting them; start starts them", async () => {
    ok(["--profile", "idle", "create", "idle"]);
    assert.equal((await states())["cmds-idle-1"], "created");
    ok(["--profile", "idle", "start", "idle"]);
    assert.equal((await states())["cmds-idle-1"], "running");
  });

  it("stop, start, restart, kill -s, pause and unpause change the containers' states", async () => {
    const stop = ok(["stop", "web"]);
    assert.match(stop.stderr, /Container cmds-web-1 {2}Stopped/);
    assert.equal((await states())["cmds-web-1"], "exited");
    assert.equal((await states())["cmds-db-1"], "running");
    ok(["start"]);
    assert.equal((await states())["cmds-web-1"], "running");

    const before = (await docker().getContainer("cmds-web-1").inspect()).State.StartedAt;
    ok(["restart", "--no-deps", "web"]);
    const after = await docker().getContainer("cmds-web-1").inspect();
    assert.equal(after.State.Running, true);
    assert.notEqual(after.State.StartedAt, before);

    ok(["pause", "web"]);
    assert.equal((await states())["cmds-web-1"], "paused");
    ok(["unpause", "web"]);
    assert.equal((await states())["cmds-web-1"], "running");

    ok(["--profile", "idle", "kill", "-s", "SIGTERM", "idle"]);
    // As with docker, a kill with any signal but KILL returns once the signal is sent, not once the process ended.
    await docker().getContainer("cmds-idle-1").wait();
    const idle = await docker().getContainer("cmds-idle-1").inspect();
    assert.deepEqual([idle.State.Running, idle.State.ExitCode], [false, 0], "the TERM trap ran: the signal was TERM, not KILL");
    fails(["--profile", "idle", "rm", "idle"], 1, /use -f to remove without asking/);
    assert.equal((await states())["cmds-idle-1"], "exited", "nothing removed without confirmation");
    ok(["--profile", "idle", "rm", "-f", "idle"]);
    assert.equal("cmds-idle-1" in (await states()), false);
    assert.match(ok(["rm", "-f"]).stderr, /No stopped containers/);
  });

  it("top lists each running container's processes", () => {
    const top = ok(["top", "web"]).stdout;
    assert.match(top, /^cmds-web-1\nUID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD\n/);
    assert.match(top, /sleep 1000/);
  });

  it("port names a port that is not published", () => {
    fails(["port", "web", "80"], 1, /no port 80\/tcp for container cmds-web-1/);
    fails(["port", "web", "http"], 1, /invalid port "http"/);
  });

  it("ls lists the project from its labels; images its containers' images", () => {
    assert.match(ok(["ls"], elsewhere).stdout, /^NAME\s+STATUS\s+CONFIG FILES\ncmds\s+running\(2\)\s+\S+compose\.yaml\n/);
    const json = JSON.parse(ok(["ls", "--format", "json"], elsewhere).stdout) as { Name: string; Status: string }[];
    assert.deepEqual(json.map((p) => [p.Name, p.Status]), [["cmds", "running(2)"]]);
    assert.equal(ok(["ls", "-q"], elsewhere).stdout, "cmds\n");
    const images = ok(["images"]).stdout.split("\n").filter(Boolean);
    assert.match(images[0]!, /^CONTAINER\s+REPOSITORY\s+TAG\s+IMAGE ID\s+SIZE$/);
    assert.deepEqual(images.slice(1).map((l) => l.split(/\s+/).slice(0, 3)), [["cmds-db-1", "berth/host", "latest"], ["cmds-web-1", "berth/host", "latest"]]);
  });

  it("wait exits with the status of the first container to stop", async () => {
    ok(["--profile", "jobs", "up", "-d", "--no-deps", "job"]);
    const wait = berth(["--profile", "jobs", "wait", "job"]);
    assert.equal(wait.status, 5, wait.stderr);
    assert.equal(wait.stdout, "cmds-job-1 5\n");
    ok(["--profile", "jobs", "rm", "-f", "job"]);
  });

  it("events streams the project's container events, as lines or JSON", async () => {
    const watcher = spawn(process.execPath, [join(root, "bin/berth.js"), "--host", host(), "events", "--json", "web"], { cwd: dir });
    let out = "";
    let errors = "";
    watcher.stdout.on("data", (chunk: Buffer) => (out += chunk));
    watcher.stderr.on("data", (chunk: Buffer) => (errors += chunk));
    const exited = new Promise((resolve) => watcher.once("exit", resolve));
    // the subscription may not be there yet: restart until a start event shows
    for (let attempt = 0; !/"action":"start"/.test(out); attempt++) {
      assert.ok(attempt < 50, `no start event came: ${out}${errors}`);
      ok(["restart", "--no-deps", "web"]);
      await new Promise((r) => setTimeout(r, 50));
    }
    watcher.kill("SIGTERM");
    await exited;
    const events = out.trim().split("\n").map((l) => JSON.parse(l) as { type: string; action: string; service: string; attributes: Record<string, string> });
    assert.ok(events.every((e) => e.type === "container" && e.service === "web"), out);
    const start = events.find((e) => e.action === "start")!;
    assert.equal(start.attributes.name, "cmds-web-1");
  });

  it("cp copies files both ways and never writes outside the destination", async () => {
    const work = mkdtempSync(join(tmpdir(), "berth-cp-"));
    try {
      writeFileSync(join(work, "note.txt"), "from the host\n");
      mkdirSync(join(work, "tree"));
      writeFileSync(join(work, "tree", "inner"), "inner file\n");
      ok(["cp", join(work, "note.txt"), "web:/tmp/copied.txt"]);
      ok(["cp", join(work, "tree"), "web:/tmp"]);
      assert.equal(ok(["exec", "-T", "web", "cat", "/tmp/copied.txt", "/tmp/tree/inner"]).stdout, "from the host\ninner file\n");

      ok(["cp", "web:/tmp/copied.txt", join(work, "back.txt")]);
      assert.equal(readFileSync(join(work, "back.txt"), "utf8"), "from the host\n");
      mkdirSync(join(work, "into"));
      ok(["cp", "web:/tmp/tree", join(work, "into")]);
      assert.equal(readFileSync(join(work, "into", "tree", "inner"), "utf8"), "inner file\n");

      // a link in the container to a host-looking path is copied as a link, and nothing is written through it
      ok(["exec", "-T", "web", "sh", "-c", "mkdir -p /tmp/evil && ln -s /etc /tmp/evil/link && echo x > /tmp/evil/file"]);
      ok(["cp", "web:/tmp/evil", join(work, "into")]);
      assert.equal(readlinkSync(join(work, "into", "evil", "link")), "/etc");
      assert.equal(readFileSync(join(work, "into", "evil", "file"), "utf8"), "x\n");
      // an existing link in the destination is not followed: the directory does not replace it
      symlinkSync(join(work, "elsewhere"), join(work, "into", "link-dir"));
      fails(["cp", "web:/tmp/evil", join(work, "into", "link-dir")], 1, /cannot overwrite non-directory/);
      assert.equal(existsSync(join(work, "elsewhere")), false, "nothing was written through the link");

      fails(["cp", join(work, "note.txt"), join(work, "x")], 1, /one of source and destination must be SERVICE:PATH/);
      fails(["cp", "web:/nonexistent", work], 1, /Error response from daemon: .*nonexistent/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
