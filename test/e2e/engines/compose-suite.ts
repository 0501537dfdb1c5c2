// The up/down subset of the e2e suite, written once and run against every engine berth drives (berthd, and a
// real dockerd: ../docker-engine.spec.ts): a web service whose health check gates two replicas of a client
// that fetch its page by service name at start; a user network and a named volume. Covers up -d --wait, ps,
// logs, exec, --scale and deploy.replicas, depends_on service_healthy, down -v, and that nothing is left.
// Only the busybox test image is used, which both engines have (berth/host exists on berthd alone).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runBerth } from "../run-berth.js";
import type { TestEngine } from "./engine.js";

// Each service ends at once on SIGTERM (sleep as PID 1 would not), so stops take no grace period.
const thenServe = (line: string) => ["sh", "-c", `${line}; trap 'exit 0' TERM; sleep 1000 & wait`];

const PROJECT = {
  name: "e2e",
  services: {
    web: {
      image: "busybox:latest",
      command: thenServe("mkdir /www && echo hello-from-web > /www/index.html && echo started >> /data/log && httpd -p 80 -h /www"),
      volumes: ["data:/data"],
      networks: ["back"],
      healthcheck: { test: ["CMD", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1/"], interval: "1s", retries: 30 },
    },
    client: {
      image: "busybox:latest",
      // One fetch at start: it only succeeds if web was already serving, i.e. if up waited for it to be healthy.
      command: thenServe("wget -q -O - http://web/"),
      networks: ["back"],
      depends_on: { web: { condition: "service_healthy" } },
      deploy: { replicas: 2 },
    },
  },
  networks: { back: {} },
  volumes: { data: {} },
};

export function composeSuite(engineName: string, start: () => Promise<TestEngine>): void {
  describe(`berth up / ps / logs / exec / scale / down against ${engineName} (e2e, root)`, function () {
    this.timeout(120_000);
    let engine: TestEngine;
    let dir: string;
    const berth = (...args: string[]) => runBerth(dir, ["--host", engine.host, ...args]);
    const ok = (...args: string[]) => {
      const r = berth(...args);
      assert.equal(r.status, 0, `berth ${args.join(" ")}:\n${r.stderr}`);
      return r;
    };
    const projectLabel = { label: ["com.docker.compose.project=e2e"] };
    const names = async () => (await engine.docker.listContainers({ all: true, filters: projectLabel })).map((c) => c.Names[0]!.slice(1)).sort();

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "berth-engine-suite-"));
      writeFileSync(join(dir, "compose.yaml"), JSON.stringify(PROJECT));
      engine = await start();
    });
    after(async () => {
      rmSync(dir, { recursive: true, force: true });
      if (engine) await engine.stop();
    });

    it("up -d --wait starts web, waits for it to be healthy, then both client replicas; ps lists them running", async () => {
      ok("up", "-d", "--wait");
      const ps = ok("ps", "--format", "json").stdout.trim().split("\n").map((line) => JSON.parse(line));
      assert.deepEqual(ps.map((c) => [c.Name, c.Service, c.State]).sort(), [
        ["e2e-client-1", "client", "running"],
        ["e2e-client-2", "client", "running"],
        ["e2e-web-1", "web", "running"],
      ]);
      const web = await engine.docker.getContainer("e2e-web-1").inspect();
      assert.equal(web.State.Health?.Status, "healthy");
      assert.equal(web.Config.Labels["com.docker.compose.depends_on"], "");
      const client = await engine.docker.getContainer("e2e-client-2").inspect();
      assert.equal(client.Config.Labels["com.docker.compose.depends_on"], "web:service_healthy:false");
      assert.deepEqual(Object.keys(client.NetworkSettings.Networks), ["e2e_back"]);
    });

    it("logs shows each replica's output, prefixed: both fetched web's page by service name as they started", () => {
      const lines = ok("logs", "--no-color", "client").stdout.split("\n").filter(Boolean).sort();
      assert.deepEqual(lines.map((line) => line.replace(/ +\| /, " | ")), ["client-1 | hello-from-web", "client-2 | hello-from-web"]);
      assert.equal(ok("logs", "--no-log-prefix", "--index", "2", "client").stdout, "hello-from-web\n");
    });

    it("exec runs commands in running containers: a replica reaches web by name, web sees its volume; exit status passes", () => {
      assert.equal(ok("exec", "-T", "--index", "2", "client", "wget", "-q", "-O", "-", "http://web/").stdout, "hello-from-web\n");
      assert.equal(ok("exec", "-T", "web", "cat", "/data/log").stdout, "started\n");
      assert.equal(berth("exec", "-T", "web", "sh", "-c", "exit 7").status, 7);
    });

    it("--scale adds a replica; the next up goes back to deploy.replicas, leaving the others alone", async () => {
      const before = await engine.docker.getContainer("e2e-client-1").inspect();
      ok("up", "-d", "--wait", "--scale", "client=3");
      assert.deepEqual(await names(), ["e2e-client-1", "e2e-client-2", "e2e-client-3", "e2e-web-1"]);
      assert.equal(ok("logs", "--no-log-prefix", "--index", "3", "client").stdout, "hello-from-web\n");
      ok("up", "-d");
      assert.deepEqual(await names(), ["e2e-client-1", "e2e-client-2", "e2e-web-1"]);
      assert.equal((await engine.docker.getContainer("e2e-client-1").inspect()).Id, before.Id, "client-1 was not recreated");
    });

    it("down -v removes containers, network and volume: nothing of the project is left", async () => {
      const down = ok("down", "-v");
      assert.match(down.stderr, /Volume e2e_data {2}Removed/);
      assert.deepEqual(await names(), []);
      assert.deepEqual(await engine.docker.listNetworks({ filters: projectLabel }), []);
      assert.deepEqual((await engine.docker.listVolumes({ filters: projectLabel })).Volumes ?? [], []);
      assert.equal(ok("ps", "-a", "-q").stdout, "");
      assert.deepEqual(await engine.settledVeths(), [], "every container's endpoint went with it");
    });
  });
}
