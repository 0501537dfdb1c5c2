// kill -9 in the middle of 20 concurrent connects, then restart: no address is held twice, every endpoint that
// survives is complete, no veth is left without an owner, and the remaining connects succeed.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { NetworkService } from "../../../src/runtime/network/service.js";
import { openSandbox, type Sandbox } from "./sandbox.js";

const CONNECT_MANY = resolve(import.meta.dirname, "connect-many.ts");
const COUNT = 20;
const containerId = (i: number) => String(i).padStart(64, "0");

/** Runs connect-many in the sandbox and kills it with SIGKILL once `killAfter` connects have reported. */
function connectAndKill(box: Sandbox, root: string, killAfter: number): Promise<number> {
  const child = spawn("nsenter", [`--net=/run/netns/${box.name}`, "--", process.execPath, "--import", "tsx", CONNECT_MANY, root, box.dir, ...Array.from({ length: COUNT }, (_, i) => containerId(i))], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let reported = 0;
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    reported += chunk.split("\n").filter((line) => line.startsWith("connected ")).length;
    if (reported >= killAfter) child.kill("SIGKILL");
  });
  return new Promise((done) => child.once("exit", () => done(reported)));
}

describe("a crash in the middle of connects (integration, throwaway netns)", function () {
  this.timeout(60_000);
  let box: Sandbox;
  beforeEach(() => (box = openSandbox()));
  afterEach(() => box.close());

  for (const killAfter of [1, 7, 15]) {
    it(`recovers when killed after ${killAfter} of ${COUNT} connects`, async function () {
      const root = join(box.dir, "root");
      const before = await NetworkService.open({ root, rtnl: box.host, resolvConf: "/nonexistent" });
      const { Id } = await before.create({ Name: "crash", IPAM: { Config: [{ Subnet: "10.66.0.0/24" }] } });
      for (let i = 0; i < COUNT; i++) await box.netns(`c${i}`);

      const reported = await connectAndKill(box, root, killAfter);
      assert.ok(reported >= killAfter && reported < COUNT, `killed after ${reported} connects`);

      const networks = await NetworkService.open({ root, rtnl: box.host, resolvConf: "/nonexistent" });
      const endpoints = networks.endpointsOf(Id);
      assert.ok(endpoints.length >= reported, "every reported connect survives");
      const owners = readdirSync(join(root, "network", "ipam", Id)).map((address) => readlinkSync(join(root, "network", "ipam", Id, address)));
      assert.deepEqual(owners.sort(), endpoints.map((e) => e.ContainerID).sort(), "exactly the surviving endpoints hold addresses");
      const bridge = (await box.host.link(networks.get(Id).BridgeName))!;
      const ports = (await box.host.links()).filter((l) => l.master === bridge.index).map((l) => l.name);
      assert.deepEqual(ports.sort(), endpoints.map((e) => e.HostInterface).sort(), "no veth without an endpoint");
      for (const e of endpoints) assert.match(box.inNetns(e.NetnsPath, "ip", "-o", "-4", "addr", "show", "eth0"), new RegExp(`inet ${e.IPAddress}/24`));

      for (let i = 0; i < COUNT; i++) {
        if (endpoints.some((e) => e.ContainerID === containerId(i))) continue;
        await networks.connect("crash", { containerId: containerId(i), containerName: `c${i}`, netnsPath: join(box.dir, `c${i}`) });
      }
      const addresses = networks.endpointsOf(Id).map((e) => e.IPAddress);
      assert.equal(new Set(addresses).size, COUNT);
      for (let i = 0; i < COUNT; i++) {
        assert.equal(box.inNetns(join(box.dir, `c${i}`), "ip", "-o", "-4", "addr", "show").match(/ eth\d+ /g)?.length, 1, `c${i} has one interface`);
      }
      await networks.disconnectAll(containerId(0));
      assert.equal((await box.host.links()).filter((l) => l.master === bridge.index).length, COUNT - 1);
    });
  }
});
