// Test helper, run as its own process inside the test's throwaway netns, standing in for berthd: its held
// sockets, sysctls and nft rules land in that namespace as berthd's land in the host's, and the test can
// kill -9 it. Requests come over the IPC channel:
//   { op: "publish", containerId, target, request } | { op: "unpublish", containerId } | { op: "restore", running }
// and each gets { result } or { error } back, in order.
//   ports-host.ts <berth root>
import { PortPublisher } from "../../../src/runtime/network/ports.js";

export type PortsHostRequest =
  | { op: "publish"; containerId: string; target: Parameters<PortPublisher["publish"]>[1]; request: Parameters<PortPublisher["publish"]>[2] }
  | { op: "unpublish"; containerId: string }
  | { op: "restore"; running: string[] };

const publisher = await PortPublisher.open({ root: process.argv[2]! });

async function handle(message: PortsHostRequest): Promise<unknown> {
  switch (message.op) {
    case "publish":
      return publisher.publish(message.containerId, message.target, message.request);
    case "unpublish":
      return publisher.unpublish(message.containerId);
    case "restore":
      return publisher.restore((id) => message.running.includes(id));
  }
}

process.on("message", (message: PortsHostRequest) => {
  handle(message).then(
    (result) => process.send!({ result: result ?? null }),
    (err: Error) => process.send!({ error: err.message }),
  );
});
process.send!({ ready: true });
