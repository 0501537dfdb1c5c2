// `docker run -p` on real containers through berthd's API (dockerode), berthd in its own test host namespace:
// busybox httpd answers at the test host's 127.0.0.1 and at its own address (to containers of other networks too),
// inspect and the container list show Ports as Docker does, a port in use fails the start with dockerd's message,
// and nothing of a published port outlives its container.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import Docker from "dockerode";
import { inTestHost } from "../engine/berthd.js";
import { BUSYBOX, demux, useEngine, type Engine } from "../containers/helpers.js";

/** The test host's own address, on a link of its own. */
const HOST_ADDRESS = "198.51.100.1";
const HTTPD = "mkdir -p /www && echo hello from $(hostname) > /www/index.html && httpd -p 80 -h /www && exec sleep 300";
/** GET http://<host>:<port>/ until it answers (the server starts with its container); prints the body or "no answer". */
const GET = `
const [host, port, tries] = process.argv.slice(1);
const attempt = (n) => fetch("http://" + host + ":" + port + "/", { signal: AbortSignal.timeout(1000) })
  .then((r) => r.text()).then((t) => console.log(t.trim()))
  .catch(() => (n > 1 ? setTimeout(() => attempt(n - 1), 100) : console.log("no answer")));
attempt(Number(tries));`;

describe("published ports of containers (integration, berthd in a test host namespace)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  useEngine((e) => {
    engine = e;
    docker = e.docker;
  });

  const host = (...command: string[]) => inTestHost(engine.root, ...command);
  const get = (address: string, port: number | string, tries = 50) => host(process.execPath, "-e", GET, address, String(port), String(tries)).trim();
  const portsTable = () => host("nft", "list", "tables").includes("berth-ports");

  // The link goes with the test host's namespace.
  before(() => {
    host("ip", "link", "add", "ptaddr0", "type", "bridge");
    host("ip", "addr", "add", `${HOST_ADDRESS}/24`, "dev", "ptaddr0");
    host("ip", "link", "set", "ptaddr0", "up");
  });

  afterEach(async () => {
    for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true });
    assert.equal(portsTable(), false, "no published port outlives its container");
  });

  async function run(name: string, hostConfig: Docker.HostConfig, exposed?: Record<string, object>): Promise<Docker.Container> {
    const container = await docker.createContainer({
      Image: BUSYBOX, name, Cmd: ["sh", "-c", HTTPD], HostConfig: hostConfig, ...(exposed && { ExposedPorts: exposed }),
    });
    await container.start();
    return container;
  }

  it("docker run -p 8080:80 -p 127.0.0.1::80: answers at 127.0.0.1 and the host's address, inspect shows Ports", async function () {
    const c = await run("web", { PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }, { HostIp: "127.0.0.1", HostPort: "" }] } }, { "443/tcp": {} });
    const info = await c.inspect();
    const ports = info.NetworkSettings.Ports as unknown as Record<string, { HostIp: string; HostPort: string }[] | null>;
    const ephemeral = ports["80/tcp"]?.[1]?.HostPort;
    assert.match(ephemeral ?? "", /^\d+$/);
    assert.deepEqual(ports, {
      "443/tcp": null,
      "80/tcp": [{ HostIp: "0.0.0.0", HostPort: "8080" }, { HostIp: "127.0.0.1", HostPort: ephemeral }],
    });
    const hello = `hello from ${info.Config.Hostname}`;
    assert.equal(get("127.0.0.1", 8080), hello);
    assert.equal(get(HOST_ADDRESS, 8080), hello);
    assert.equal(get("127.0.0.1", ephemeral!), hello);
    assert.equal(get(HOST_ADDRESS, ephemeral!, 1), "no answer", "a 127.0.0.1 binding is for loopback only");
    assert.equal(portsTable(), true);
    const listed = async () => (await docker.listContainers({ all: true, filters: { id: [c.id] } }))[0]!.Ports;
    assert.deepEqual(await listed(), [
      { PrivatePort: 443, Type: "tcp" },
      { IP: "0.0.0.0", PrivatePort: 80, PublicPort: 8080, Type: "tcp" },
      { IP: "127.0.0.1", PrivatePort: 80, PublicPort: Number(ephemeral), Type: "tcp" },
    ], "docker ps's Ports, as dockerd lists them");

    await c.stop({ t: 0 });
    // The teardown runs off the exit's critical path: wait for it (mocha's timeout bounds the wait).
    while (portsTable()) await new Promise((done) => setTimeout(done, 50));
    assert.equal(get("127.0.0.1", 8080, 1), "no answer", "a stopped container publishes nothing");
    assert.deepEqual((await c.inspect()).NetworkSettings.Ports, {}, "and shows no ports, as Docker");
    assert.deepEqual(await listed(), [], "nor lists any");
  });

  it("the docker CLI: docker run --network X -p 8082:80 -p 127.0.0.1:5353:53/udp, docker port", async function () {
    const docker = (...args: string[]) => execFileSync("docker", ["-H", `unix://${engine.daemon.socket}`, ...args], { encoding: "utf8", timeout: 20_000 });
    docker("network", "create", "published");
    docker("run", "-d", "--name", "cli", "--network", "published", "-p", "8082:80", "-p", "127.0.0.1:5353:53/udp", BUSYBOX, "sh", "-c", HTTPD);
    assert.deepEqual(docker("port", "cli").trim().split("\n").sort(), ["53/udp -> 127.0.0.1:5353", "80/tcp -> 0.0.0.0:8082"]);
    assert.match(get(HOST_ADDRESS, 8082), /^hello from /);
    assert.equal(docker("ps", "--filter", "name=cli", "--format", "{{.Ports}}").trim(), "127.0.0.1:5353->53/udp, 0.0.0.0:8082->80/tcp");
    docker("rm", "-f", "cli");
    docker("network", "rm", "published");
  });

  it("a container on another network reaches a published port through the host's address, not the container directly", async function () {
    await docker.createNetwork({ Name: "front" });
    await docker.createNetwork({ Name: "back" });
    try {
      const server = await run("server", { NetworkMode: "back", PortBindings: { "80/tcp": [{ HostPort: "8083" }] } });
      const serverInfo = await server.inspect();
      const direct = serverInfo.NetworkSettings.Networks.back!.IPAddress;
      const client = await docker.createContainer({ Image: BUSYBOX, name: "client", Cmd: ["sleep", "300"], HostConfig: { NetworkMode: "front" } });
      await client.start();
      /** wget from the client, retrying while the server starts; the body, or "no answer" after the last try. */
      // `timeout` bounds each try: busybox's own wget -T crashes.
      const fetchFrom = async (url: string, tries: number) => {
        const script = `i=${tries}; while [ $i -gt 0 ]; do timeout 1 wget -q -O - ${url} && exit 0; i=$((i - 1)); sleep 0.2; done; echo no answer`;
        const exec = await client.exec({ Cmd: ["sh", "-c", script], AttachStdout: true, AttachStderr: true });
        return (await demux(docker, await exec.start({ hijack: true, stdin: false }))).stdout.trim();
      };
      assert.equal(await fetchFrom(`http://${HOST_ADDRESS}:8083/`, 50), `hello from ${serverInfo.Config.Hostname}`);
      assert.equal(await fetchFrom(`http://${direct}/`, 1), "no answer", "networks stay isolated from each other");
    } finally {
      for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true });
      await docker.getNetwork("front").remove();
      await docker.getNetwork("back").remove();
    }
  });

  it("a port already allocated fails the start with dockerd's message and leaves the first container serving", async function () {
    const first = await run("first", { PortBindings: { "80/tcp": [{ HostPort: "8081" }] } });
    await assert.rejects(run("second", { PortBindings: { "80/tcp": [{ HostPort: "8081" }] } }), /Bind for 0\.0\.0\.0:8081 failed: port is already allocated/);
    const second = docker.getContainer("second");
    assert.equal((await second.inspect()).State.Running, false);
    assert.equal(get("127.0.0.1", 8081), `hello from ${(await first.inspect()).Config.Hostname}`);
  });
});
