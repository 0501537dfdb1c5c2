// Network plumbing latency inside a throwaway network namespace (the real host is never touched): bridge create,
// endpoint connect (veth + move + rename + address + route) and disconnect, and DNS queries to a network's resolver
// (answered from its names, and forwarded to a test upstream) from a client process. Prints figures; asserts nothing.
// Run as root: npx tsx bench/network.ts [runs]
import { ensureBridge, removeBridge } from "../src/runtime/network/bridge.js";
import { connectEndpoint, disconnectEndpoint } from "../src/runtime/network/endpoint.js";
import { DnsHost } from "../test/integration/network/dns-host.js";
import { openSandbox, type Sandbox } from "../test/integration/network/sandbox.js";

const runs = Number(process.argv[2] ?? 30);
const DNS_QUERIES = 1000;

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

/** Query round trips from one process to a DnsServer in another, both in the sandbox, on the bridge br-bench0. */
async function dnsLatency(box: Sandbox): Promise<{ local: number[]; forwarded: number[] }> {
  const hostNetns = `/run/netns/${box.name}`;
  box.inNetns(hostNetns, "ip", "link", "set", "lo", "up");
  box.inNetns(hostNetns, "ip", "addr", "add", "10.97.0.53/32", "dev", "lo");
  const server = await DnsHost.start(hostNetns, { upstreams: ["10.97.0.53"] });
  const client = await DnsHost.start(hostNetns, { upstreams: [] });
  try {
    await server.upstream("10.97.0.53", { records: { "example.test": "192.0.2.7" } });
    await server.serve({ id: "bench", name: "bench", gateway: "10.98.0.1", subnet: "10.98.0.0/24", internal: false });
    for (const i of [2, 3, 4]) await server.register("bench", { containerId: `web${i}`, address: `10.98.0.${i}`, names: [`bench-web-${i}`, "web"] });
    return { local: await client.latency("10.98.0.1", "web", DNS_QUERIES), forwarded: await client.latency("10.98.0.1", "example.test", DNS_QUERIES) };
  } finally {
    await client.close();
    await server.close();
  }
}

const box = openSandbox();
try {
  const creates: number[] = [];
  for (let i = 0; i < runs; i++) {
    const bridge = { name: `br-bench${i}`, gateway: `10.98.${i}.1`, prefixLength: 24, mtu: 1500 };
    creates.push(await timed(() => ensureBridge(box.host, bridge)));
  }
  const bridgeIndex = await ensureBridge(box.host, { name: "br-bench0", gateway: "10.98.0.1", prefixLength: 24, mtu: 1500 });
  const connects: number[] = [];
  const disconnects: number[] = [];
  for (let i = 0; i < runs; i++) {
    const netnsPath = await box.netns(`c${i}`);
    const spec = { netnsPath, bridgeIndex, hostName: `vbench${i}`, address: `10.98.0.${10 + i}`, prefixLength: 24, gateway: "10.98.0.1", mtu: 1500, defaultRoute: true };
    connects.push(await timed(() => connectEndpoint(box.host, spec)));
  }
  const dns = await dnsLatency(box);
  for (let i = 0; i < runs; i++) disconnects.push(await timed(() => disconnectEndpoint(box.host, `vbench${i}`)));
  for (let i = 0; i < runs; i++) await removeBridge(box.host, `br-bench${i}`);
  console.log(`bridge create (link + address + up)        ${summary(creates)}`);
  console.log(`endpoint connect (veth, netns, addr, route) ${summary(connects)}`);
  console.log(`endpoint disconnect (kernel veth delete)    ${summary(disconnects)}`);
  console.log(`DNS query, name of the network (UDP)       ${summary(dns.local)}`);
  console.log(`DNS query, forwarded to an upstream (UDP)  ${summary(dns.forwarded)}`);
} finally {
  await box.close();
}
