// What a container's networking costs berthd: network create (record, subnet, bridge, DNS server), the
// container's namespace (made and bound to a file, then unbound), and an endpoint connect and disconnect as
// NetworkService does them (state, address, veth, route, DNS entry). The script re-runs itself in a network
// namespace of its own, which stands in for the host and goes with the process: the real host is never touched.
// Prints figures; asserts nothing. Run as root: npx tsx bench/network-service.ts [runs]
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DnsServer } from "../src/runtime/network/dns.js";
import { Rtnl } from "../src/runtime/network/netlink.js";
import { createNetns, removeNetns } from "../src/runtime/network/netns.js";
import { NetworkService } from "../src/runtime/network/service.js";

const runs = Number(process.argv[2] ?? 30);

if (!process.env.BERTH_BENCH_OWN_NETNS) {
  const run = spawnSync("unshare", ["--net", "--", process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: "inherit", env: { ...process.env, BERTH_BENCH_OWN_NETNS: "1" },
  });
  process.exit(run.status ?? 1);
}

function summary(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return `median ${at(0.5).toFixed(2)} ms  p95 ${at(0.95).toFixed(2)} ms  (${samples.length} runs)`;
}

async function timed(action: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await action();
  return performance.now() - started;
}

const dir = mkdtempSync(join(tmpdir(), "berth-bench-net-"));
const rtnl = Rtnl.open();
const dns = new DnsServer({ upstreams: [] });
try {
  writeFileSync(join(dir, "resolv.conf"), "");
  const networks = await NetworkService.open({ root: join(dir, "root"), rtnl, resolvConf: join(dir, "resolv.conf"), dns });
  const creates: number[] = [];
  for (let i = 0; i < runs; i++) creates.push(await timed(() => networks.create({ Name: `bench${i}` })));
  const [netnsCreates, connects, disconnects, netnsRemoves]: number[][] = [[], [], [], []];
  for (let i = 0; i < runs; i++) {
    const netnsPath = join(dir, `c${i}`);
    const containerId = i.toString(16).padStart(64, "0");
    netnsCreates.push(await timed(() => createNetns(netnsPath)));
    connects.push(await timed(() => networks.connect("bench0", { containerId, containerName: `c${i}`, netnsPath, dnsNames: [`c${i}`] })));
    disconnects.push(await timed(() => networks.disconnect("bench0", containerId)));
    netnsRemoves.push(await timed(() => removeNetns(netnsPath)));
  }
  for (let i = 0; i < runs; i++) await networks.remove(`bench${i}`);
  console.log(`network create (record, subnet, bridge, DNS)        ${summary(creates)}`);
  console.log(`container namespace, bound to a file                ${summary(netnsCreates)}`);
  console.log(`endpoint connect (state, address, veth, route, DNS) ${summary(connects)}`);
  console.log(`endpoint disconnect (veth delete, state, DNS)       ${summary(disconnects)}`);
  console.log(`container namespace unbound                         ${summary(netnsRemoves)}`);
} finally {
  await dns.close();
  rtnl.close();
  rmSync(dir, { recursive: true, force: true });
}
