// What a container's networking costs berthd, inside a throwaway network namespace (the real host is never
// touched): network create, the container's namespace (made and bound to a file, then unbound), and an endpoint
// connect and disconnect as NetworkService does them (state, address, veth, address, route). Prints figures;
// asserts nothing. Run as root: npx tsx bench/network-service.ts [runs]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createNetns, removeNetns } from "../src/runtime/network/netns.js";
import { NetworkService } from "../src/runtime/network/service.js";
import { openSandbox } from "../test/integration/network/sandbox.js";

const runs = Number(process.argv[2] ?? 30);

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

const box = openSandbox();
try {
  writeFileSync(join(box.dir, "resolv.conf"), "");
  const networks = await NetworkService.open({ root: join(box.dir, "root"), rtnl: box.host, resolvConf: join(box.dir, "resolv.conf") });
  const creates: number[] = [];
  for (let i = 0; i < runs; i++) creates.push(await timed(() => networks.create({ Name: `bench${i}` })));
  const [netnsCreates, connects, disconnects, netnsRemoves]: number[][] = [[], [], [], []];
  for (let i = 0; i < runs; i++) {
    const netnsPath = join(box.dir, `c${i}`);
    const containerId = i.toString(16).padStart(64, "0");
    netnsCreates.push(await timed(() => createNetns(netnsPath)));
    connects.push(await timed(() => networks.connect("bench0", { containerId, containerName: `c${i}`, netnsPath, dnsNames: [`c${i}`] })));
    disconnects.push(await timed(() => networks.disconnect("bench0", containerId)));
    netnsRemoves.push(await timed(() => removeNetns(netnsPath)));
  }
  for (let i = 0; i < runs; i++) await networks.remove(`bench${i}`);
  console.log(`network create (record, subnet, bridge)         ${summary(creates)}`);
  console.log(`container namespace, bound to a file            ${summary(netnsCreates)}`);
  console.log(`endpoint connect (state, address, veth, route)  ${summary(connects)}`);
  console.log(`endpoint disconnect (veth delete, state)        ${summary(disconnects)}`);
  console.log(`container namespace unbound                     ${summary(netnsRemoves)}`);
} finally {
  await box.close();
}
