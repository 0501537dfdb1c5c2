// Network plumbing latency inside a throwaway network namespace (the real host is never touched): bridge create,
// endpoint connect (veth + move + rename + address + route) and disconnect. Prints figures; asserts nothing.
// Run as root: npx tsx bench/network.ts [runs]
import { ensureBridge, removeBridge } from "../src/runtime/network/bridge.js";
import { connectEndpoint, disconnectEndpoint } from "../src/runtime/network/endpoint.js";
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
  for (let i = 0; i < runs; i++) disconnects.push(await timed(() => disconnectEndpoint(box.host, `vbench${i}`)));
  for (let i = 0; i < runs; i++) await removeBridge(box.host, `br-bench${i}`);
  console.log(`bridge create (link + address + up)        ${summary(creates)}`);
  console.log(`endpoint connect (veth, netns, addr, route) ${summary(connects)}`);
  console.log(`endpoint disconnect (kernel veth delete)    ${summary(disconnects)}`);
} finally {
  await box.close();
}
