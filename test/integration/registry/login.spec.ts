// `berth login`/`berth logout` and berthd's POST /auth against a real registry (Debian's docker-registry on
// 127.0.0.1) behind basic auth and behind token auth; what login stores is what pulls and pushes then use.
// Every run has a temporary HOME: the real ~/.docker is never touched.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUSYBOX, busyboxArchive, loadBusybox, startEngine, stopEngine, type Engine } from "../containers/helpers.js";
import { openPortal, PASSWORD, skopeoPush, startProxy, startRegistry, USER, type Portal, type Proxy, type Registry } from "./registry.js";

const RUN_CLI = join(import.meta.dirname, "run-cli.ts");
const basicAuth = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");

describe("berth login and logout (integration)", function () {
  this.timeout(60_000);
  let registry: Registry;
  let basic: Proxy;
  let bearer: Proxy;
  let engine: Engine;
  let portal: Portal;
  let work: string;
  /** The CLI's HOME, whose .docker/config.json login writes; berthd has a config of its own, without credentials. */
  let home: string;
  let configDir: string;
  const previousDockerConfig = process.env.DOCKER_CONFIG;

  /** The berth CLI from the sources with the test's HOME, standard input from `input` (a pipe, not a terminal). */
  function berth(args: string[], input = "", env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", RUN_CLI, ...args], { env: { PATH: process.env.PATH!, HOME: home, ...env } });
      const out = { stdout: "", stderr: "" };
      child.stdout.on("data", (chunk: Buffer) => (out.stdout += chunk));
      child.stderr.on("data", (chunk: Buffer) => (out.stderr += chunk));
      child.on("close", (status) => resolve({ status, ...out }));
      child.stdin.end(input);
    });
  }
  const onEngine = (args: string[], input?: string) => berth(["--host", `unix://${engine.daemon.socket}`, ...args], input);
  const configFile = () => join(configDir, "config.json");
  const storedConfig = () => JSON.parse(readFileSync(configFile(), "utf8")) as { auths: Record<string, { auth: string }>; [key: string]: unknown };
  const removeImage = (name: string) => engine.docker.getImage(name).remove().catch(() => undefined);

  function postAuth(body: string): Promise<{ status: number; json: Record<string, string> }> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: engine.daemon.socket, method: "POST", path: "/v1.50/auth", headers: { "Content-Type": "application/json" } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, json: JSON.parse(text) as Record<string, string> }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  before(async () => {
    for (const tool of ["docker-registry", "skopeo", "script"]) assert.equal(spawnSync("which", [tool]).status, 0, `${tool} is needed`);
    work = mkdtempSync(join(tmpdir(), "berth-login-test-"));
    home = join(work, "home");
    configDir = join(home, ".docker");
    registry = await startRegistry();
    const archive = join(work, "busybox.tar");
    writeFileSync(archive, await busyboxArchive());
    skopeoPush(archive, registry, "private/busybox:latest");
    basic = await startProxy(registry, { auth: "basic" });
    bearer = await startProxy(registry, { auth: "bearer" });
    // berthd never sees the CLI's config.json: every credential below travels with the request (X-Registry-Auth), as
    // from the docker CLI, so that a login works whatever HOME or DOCKER_CONFIG berthd was started with.
    process.env.DOCKER_CONFIG = join(work, "berthd-docker-config");
    engine = await startEngine();
    await loadBusybox(engine.docker);
    portal = await openPortal(engine.root, [basic.port, bearer.port]);
  });

  after(async () => {
    if (previousDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = previousDockerConfig;
    await portal?.stop();
    if (engine) await stopEngine(engine);
    for (const p of [basic, bearer]) await p?.stop();
    await registry?.stop();
    rmSync(work, { recursive: true, force: true });
    assert.equal(existsSync(work) || existsSync(registry.dir), false);
  });

  it("a pull from the basic-auth registry fails before any login", async () => {
    const r = await onEngine(["image", "pull", `${basic.host}/private/busybox`]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /^Error response from daemon: the registry asks for a username and password: log in first/);
  });

  it("refuses a wrong password with dockerd's message, and stores nothing", async () => {
    const r = await onEngine(["login", "-u", USER, "-p", "wrong", basic.host]);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr,
      "WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n" +
        `Error response from daemon: login attempt to http://${basic.host}/v2/ failed with status: 401 Unauthorized\n`,
    );
    assert.equal(existsSync(configDir), false);
  });

  it("logs in with --password-stdin: base64(user:password) under host:port, in a 0600 file of a 0700 directory", async () => {
    const r = await onEngine(["login", "--username", USER, "--password-stdin", basic.host], `${PASSWORD}\n`);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "Login Succeeded\n");
    assert.equal(r.stderr, `\nWARNING! Your credentials are stored unencrypted in '${configFile()}'.\n\n`);
    assert.deepEqual(storedConfig(), { auths: { [basic.host]: { auth: basicAuth(USER, PASSWORD) } } });
    assert.equal(statSync(configDir).mode & 0o777, 0o700);
    assert.equal(statSync(configFile()).mode & 0o777, 0o600);
  });

  it("berth image pull of the private image then works with no other credentials", async () => {
    const r = await onEngine(["image", "pull", `${basic.host}/private/busybox`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n").at(-1), `Status: Downloaded newer image for ${basic.host}/private/busybox:latest`);
    assert.ok(basic.requests.includes("GET /v2/private/busybox/manifests/latest"));
    assert.equal((await engine.docker.getImage(`${basic.host}/private/busybox`).inspect()).Architecture, "amd64");
  });

  it("with neither username nor password, tries the stored credentials first, as docker login does", async () => {
    const r = await onEngine(["login", basic.host]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, `Authenticating with existing credentials... [Username: ${USER}]\n`);
    assert.equal(r.stdout, "Login Succeeded\n");

    const good = readFileSync(configFile(), "utf8");
    writeFileSync(configFile(), JSON.stringify({ auths: { [basic.host]: { auth: basicAuth(USER, "changed") } } }));
    const stale = await onEngine(["login", basic.host]);
    writeFileSync(configFile(), good);
    assert.equal(stale.status, 1);
    assert.equal(stale.stderr.split("\n")[1], "Stored credentials invalid or expired", stale.stderr);
    assert.match(stale.stderr, /Cannot perform an interactive login from a non TTY device/);
  });

  it("logs in to a token-auth registry, keeping every other key of config.json", async () => {
    const before = { ...storedConfig(), psFormat: "table {{.ID}}", credHelpers: { "other.example": "pass" } };
    writeFileSync(configFile(), JSON.stringify(before));
    const wrong = await onEngine(["login", "-u", USER, "-p", "wrong", bearer.host]);
    assert.equal(wrong.status, 1);
    assert.match(wrong.stderr, new RegExp(`^Error response from daemon: Get "http://${bearer.host}/v2/": unauthorized: bad credentials$`, "m"));
    assert.deepEqual(storedConfig(), before);

    bearer.tokenRequests.length = 0;
    const r = await onEngine(["login", "-u", USER, "-p", PASSWORD, bearer.host]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, "Login Succeeded\n");
    assert.deepEqual(bearer.tokenRequests, [{ scope: null, authorization: `Basic ${basicAuth(USER, PASSWORD)}` }]);
    assert.deepEqual(storedConfig(), { ...before, auths: { ...before.auths, [bearer.host]: { auth: basicAuth(USER, PASSWORD) } } });
    assert.equal(statSync(configFile()).mode & 0o777, 0o600);
  });

  it("pushes and pulls through the token server with what login stored", async () => {
    await engine.docker.getImage(BUSYBOX).tag({ repo: `${bearer.host}/mine/busybox`, tag: "1" });
    const pushed = await onEngine(["image", "push", `${bearer.host}/mine/busybox:1`]);
    assert.equal(pushed.status, 0, pushed.stderr);
    await removeImage(`${bearer.host}/mine/busybox:1`);
    const pulled = await onEngine(["image", "pull", `${bearer.host}/mine/busybox:1`]);
    assert.equal(pulled.status, 0, pulled.stderr);
    assert.match(pulled.stdout, new RegExp(`^Status: (Downloaded newer image|Image is up to date) for ${bearer.host}/mine/busybox:1$`, "m"));
    assert.ok(bearer.tokenRequests.some((t) => t.scope === "repository:mine/busybox:pull,push"));
  });

  it("berth logout removes the entry, and the pull fails again with an auth error", async () => {
    const others = storedConfig();
    const r = await berth(["logout", `http://${basic.host}/v2/`]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `Removing login credentials for ${basic.host}\n`);
    const { [basic.host]: removed, ...kept } = others.auths;
    assert.ok(removed);
    assert.deepEqual(storedConfig(), { ...others, auths: kept });

    await removeImage(`${basic.host}/private/busybox`);
    const pull = await onEngine(["image", "pull", `${basic.host}/private/busybox`]);
    assert.equal(pull.status, 1);
    assert.match(pull.stderr, /^Error response from daemon: the registry asks for a username and password: log in first/);

    const again = await berth(["logout", basic.host]);
    assert.equal(again.status, 0);
    assert.equal(again.stdout, `Not logged in to ${basic.host}\n`);
    const hub = await berth(["logout"]);
    assert.equal(hub.stdout, "Not logged in to https://index.docker.io/v1/\n");
  });

  it("refuses what cannot work without a terminal, with docker's messages", async () => {
    const cases: [string[], string][] = [
      [["login", "-u", USER, basic.host], "Error: Cannot perform an interactive login from a non TTY device"],
      [["login", basic.host], "Error: Cannot perform an interactive login from a non TTY device"],
      [["login", "--password-stdin", basic.host], "the --password-stdin option requires --username to be set"],
      [["login", "-u", USER, "-p", "x", "--password-stdin", basic.host], "conflicting options: cannot specify both --password and --password-stdin"],
    ];
    for (const [args, message] of cases) {
      const r = await onEngine(args);
      assert.equal(r.status, 1, args.join(" "));
      assert.ok(r.stderr.includes(message), r.stderr);
    }
    assert.equal(storedConfig().auths[basic.host], undefined);
  });

  it("prompts for the username and, without echoing it, the password on a terminal", async () => {
    // script(1) gives the CLI a terminal; what is typed is on its standard input.
    const command = [process.execPath, "--import", "tsx", RUN_CLI, "--host", `unix://${engine.daemon.socket}`, "login", basic.host].map((a) => `'${a}'`).join(" ");
    const r = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn("script", ["-qec", command, "/dev/null"], { env: { PATH: process.env.PATH!, HOME: home } });
      // Each answer once its prompt is out: the terminal echoes what arrives before berth turns echo off.
      const answers = [
        ["Username: ", `${USER}\r`],
        ["Password: ", `${PASSWORD}\r`],
      ];
      let stdout = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk;
        if (answers[0] && stdout.endsWith(answers[0][0]!)) child.stdin.write(answers.shift()![1]);
      });
      child.on("close", (status) => resolve({ status, stdout }));
    });
    assert.equal(r.status, 0, r.stdout);
    assert.match(r.stdout, new RegExp(`Username: ${USER}\\r?\\n`));
    assert.match(r.stdout, /Password: \r?\n/);
    assert.ok(!r.stdout.includes(PASSWORD), "the password is not echoed");
    assert.match(r.stdout, /Login Succeeded/);
    assert.deepEqual(storedConfig().auths[basic.host], { auth: basicAuth(USER, PASSWORD) });
  });

  it("POST /auth answers as dockerd: Login Succeeded, 401 with the registry's refusal, 400 for a bad body", async () => {
    const ok = await postAuth(JSON.stringify({ username: USER, password: PASSWORD, serveraddress: `http://${bearer.host}` }));
    assert.deepEqual(ok, { status: 200, json: { Status: "Login Succeeded", IdentityToken: "" } });
    const refused = await postAuth(JSON.stringify({ username: USER, password: "nope", serveraddress: basic.host }));
    assert.deepEqual(refused, { status: 401, json: { message: `login attempt to http://${basic.host}/v2/ failed with status: 401 Unauthorized` } });
    const bad = await postAuth("[]");
    assert.equal(bad.status, 400);
  });

  describe("with the docker CLI", () => {
    let dockerConfig: string;
    const docker = (input: string, ...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn("docker", args, { env: { PATH: process.env.PATH!, HOME: dockerConfig, DOCKER_CONFIG: dockerConfig, DOCKER_HOST: `unix://${engine.daemon.socket}` } });
        const out = { stdout: "", stderr: "" };
        child.stdout.on("data", (chunk: Buffer) => (out.stdout += chunk));
        child.stderr.on("data", (chunk: Buffer) => (out.stderr += chunk));
        child.on("close", (status) => resolve({ status, ...out }));
        child.stdin.end(input);
      });
    before(() => (dockerConfig = mkdtempSync(join(tmpdir(), "berth-docker-config-"))));
    after(() => rmSync(dockerConfig, { recursive: true, force: true }));

    it("docker login through berthd succeeds with the right password and stores it", async () => {
      for (const proxy of [basic, bearer]) {
        const r = await docker(`${PASSWORD}\n`, "login", "-u", USER, "--password-stdin", proxy.host);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^Login Succeeded$/m);
        const config = JSON.parse(readFileSync(join(dockerConfig, "config.json"), "utf8")) as { auths: Record<string, { auth: string }> };
        assert.equal(config.auths[proxy.host]!.auth, basicAuth(USER, PASSWORD));
      }
    });

    it("docker login through berthd fails with the daemon's answer on a wrong password", async () => {
      const r = await docker("wrong\n", "login", "-u", USER, "--password-stdin", basic.host);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`Error response from daemon: login attempt to http://${basic.host}/v2/ failed with status: 401 Unauthorized`));
      const token = await docker("wrong\n", "login", "-u", USER, "--password-stdin", bearer.host);
      assert.equal(token.status, 1);
      assert.match(token.stderr, new RegExp(`Error response from daemon: Get "http://${bearer.host}/v2/": unauthorized: bad credentials`));
    });
  });
});
