// Service-name DNS through berthd's API (dockerode), berthd in its own test host namespace: containers on a user
// network find each other by container name, compose service name, alias and short id, replicas by their shared
// service name, and other names go to an upstream the test runs in that namespace (never the machine's resolver).
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { inTestHost, tempRoot, testHostNetns } from "../engine/berthd.js";
import { BUSYBOX, demux, loadBusybox, startEngine, stopEngine, type Engine } from "../containers/helpers.js";
import { DnsHost } from "./dns-host.js";

const UPSTREAM = "10.97.0.53";
const SERVICE_LABEL = "com.docker.compose.service";
const HTTPD = "mkdir -p /www && echo hello from $(hostname) > /www/index.html && httpd -p 80 -h /www && exec sleep 300";
/** A node function that GETs a URL, retrying while the server starts, and prints the body. */
const FETCH_RETRYING = `(async (url) => {
  for (let i = 0; ; i++) {
    try { return process.stdout.write(await (await fetch(url)).text()); }
    catch (err) { if (i === 50) throw err; await new Promise((r) => setTimeout(r, 100)); }
  }
})`;

describe("container names in DNS (integration, berthd in a test host namespace)", function () {
  this.timeout(60_000);
  let engine: Engine;
  let docker: Docker;
  let upstream: DnsHost;

  before(async function () {
    const root = tempRoot();
    writeFileSync(join(root, "daemon.json"), JSON.stringify({ dns: [UPSTREAM] }));
    engine = await startEngine(root);
    docker = engine.docker;
    await loadBusybox(docker);
    inTestHost(root, "ip", "addr", "add", `${UPSTREAM}/32`, "dev", "lo");
    upstream = await DnsHost.start(testHostNetns(root), { upstreams: [] });
    await upstream.upstream(UPSTREAM, { records: { "example.test": "192.0.2.7" } });
  });

  after(async function () {
    await upstream?.close();
    for (const c of await docker.listContainers({ all: true })) await docker.getContainer(c.Id).remove({ force: true });
    for (const n of await docker.listNetworks()) if (n.Name !== "bridge") await docker.getNetwork(n.Id).remove();
    await stopEngine(engine);
  });

  async function run(name: string, network: string, options: { aliases?: string[]; service?: string } = {}, script = "exec sleep 300"): Promise<Docker.Container> {
    const container = await docker.createContainer({
      Image: BUSYBOX, name, Cmd: ["sh", "-c", script], Labels: options.service ? { [SERVICE_LABEL]: options.service } : {},
      HostConfig: { NetworkMode: network },
      NetworkingConfig: { EndpointsConfig: { [network]: { Aliases: options.aliases ?? [] } } },
    });
    await container.start();
    return container;
  }

  /** What a command run in the container printed, whether it succeeded or not. */
  async function output(container: Docker.Container, command: string[]): Promise<string> {
    const e = await container.exec({ Cmd: command, AttachStdout: true, AttachStderr: true });
    const { stdout, stderr } = await demux(docker, await e.start({ hijack: true, stdin: false }));
    return stdout + stderr;
  }

  /** busybox nslookup through the container's /etc/resolv.conf. */
  const nslookup = (container: Docker.Container, name: string) => output(container, ["nslookup", "-type=a", name]);

  const addressOf = async (container: Docker.Container, network: string) =>
    ((await container.inspect()).NetworkSettings.Networks[network]!).IPAddress;
  const answered = (output: string) => [...output.matchAll(/^Address: (\S+)$/gm)].map((m) => m[1]).sort();

  it("resolves containers of a user network by name, service, alias and short id, and replicas to every address", async function () {
    await docker.createNetwork({ Name: "shop" });
    const web = await run("shop-web-1", "shop", { service: "web", aliases: ["storefront"] });
    const client = await run("shop-client-1", "shop", { service: "client" });
    const replicas = [];
    for (const i of [1, 2, 3]) replicas.push(await run(`shop-api-${i}`, "shop", { service: "api" }));
    const webAddress = await addressOf(web, "shop");
    const gateway = (await web.inspect()).NetworkSettings.Networks.shop!.Gateway;
    assert.match((await nslookup(client, "shop-web-1")), new RegExp(`Server:\\s+${gateway.replaceAll(".", "\\.")}`), "asks its network's gateway");

    const shortId = (await web.inspect()).Id.slice(0, 12);
    for (const name of ["shop-web-1", "web", "storefront", shortId, "web.shop"]) {
      assert.deepEqual(answered(await nslookup(client, name)), [webAddress], name);
    }
    assert.deepEqual(answered(await nslookup(web, "client")), [await addressOf(client, "shop")], "and the other way round");
    const apiAddresses = await Promise.all(replicas.map((r) => addressOf(r, "shop")));
    assert.deepEqual(answered(await nslookup(client, "api")), apiAddresses.sort());

    assert.deepEqual(answered(await nslookup(client, "example.test")), ["192.0.2.7"], "an external name is forwarded");
    const unknown = await nslookup(client, "nosuchservice");
    assert.match(unknown, /can't find nosuchservice: NXDOMAIN/, unknown);

    await web.remove({ force: true });
    const gone = await nslookup(client, "web");
    assert.match(gone, /can't find web: NXDOMAIN/, `a removed container's names go with it: ${gone}`);
  });

  it("lets a program on glibc's resolver fetch HTTP from another container by name, service and alias", async function () {
    await docker.createNetwork({ Name: "web" });
    await run("web-server-1", "web", { service: "server", aliases: ["www"] }, HTTPD);
    // The built-in image has the host's glibc (and NSS modules) and node, unlike the static busybox.
    const client = await docker.createContainer({ Image: "berth/host:latest", name: "web-client-1", Cmd: ["sleep", "300"], HostConfig: { NetworkMode: "web" } });
    await client.start();
    for (const name of ["web-server-1", "server", "www"]) {
      const fetched = await output(client, ["node", "-e", `${FETCH_RETRYING}(${JSON.stringify(`http://${name}/`)})`]);
      assert.match(fetched, /^hello from /, name);
    }
  });

  it("keeps the names of one network from containers of another", async function () {
    await docker.createNetwork({ Name: "front" });
    await docker.createNetwork({ Name: "back" });
    const a = await run("alpha", "front");
    const b = await run("beta", "back");
    for (const [from, name] of [[b, "alpha"], [a, "beta"]] as const) {
      const hidden = await nslookup(from, name);
      assert.match(hidden, new RegExp(`can't find ${name}: NXDOMAIN`), hidden);
    }
    await docker.getNetwork("back").connect({ Container: a.id });
    assert.deepEqual(answered(await nslookup(b, "alpha")), [await addressOf(a, "back")], "once connected to back, alpha answers there");
  });

  it("answers again after berthd restarts, from the network and container records", async function () {
    await docker.createNetwork({ Name: "steady" });
    const a = await run("steady-a", "steady", { service: "a" });
    const b = await run("steady-b", "steady");
    engine.daemon.child.kill("SIGKILL");
    await engine.daemon.exited;
    const restarted = await startEngine(engine.root);
    engine = restarted;
    docker = restarted.docker;
    assert.deepEqual(answered(await nslookup(docker.getContainer(b.id), "a")), [await addressOf(docker.getContainer(a.id), "steady")]);
  });
});
