// One Linux bridge per network, holding the gateway address. ensureBridge is idempotent, so the same call
// creates a bridge, finishes one that a crash left half-made (no address, down, wrong MTU) or leaves it be.
import { conflict } from "../image/errors.js";
import { macFor } from "./endpoint.js";
import { unless, type Rtnl } from "./netlink.js";

export interface BridgeSpec {
  name: string;
  gateway: string;
  prefixLength: number;
  mtu: number;
}

/** Makes the bridge exist as specified and up; returns its link index. */
export async function ensureBridge(rtnl: Rtnl, spec: BridgeSpec): Promise<number> {
  let link = await rtnl.link(spec.name);
  if (!link) {
    // The gateway address's MAC, as a container's is its address's: the same after the bridge is made again.
    await rtnl.createBridge(spec.name, spec.mtu, macFor(spec.gateway)).catch(unless("EEXIST"));
    link = await rtnl.link(spec.name);
    if (!link) throw new Error(`bridge ${spec.name} vanished right after it was created`);
  }
  if (link.kind !== "bridge") {
    throw conflict(`a network interface named ${spec.name} already exists and is not a bridge; choose another bridge name (com.docker.network.bridge.name)`);
  }
  if (link.mtu !== spec.mtu) await rtnl.setMtu(link.index, spec.mtu);
  const addresses = await rtnl.addresses(link.index);
  if (!addresses.some((a) => a.address === spec.gateway && a.prefixLength === spec.prefixLength)) {
    await rtnl.addAddress(link.index, spec.gateway, spec.prefixLength).catch(unless("EEXIST"));
  }
  if (!link.up) await rtnl.setUp(link.index);
  return link.index;
}

/** Deletes the bridge (its ports are released, not deleted); a missing bridge is fine. */
export async function removeBridge(rtnl: Rtnl, name: string): Promise<void> {
  const index = await retireBridge(rtnl, name);
  if (index !== undefined) await deleteRetiredBridge(rtnl, index);
}

/** The alias of a bridge whose network is gone, until the kernel has deleted it. */
const RETIRED = "berth: network removed";

/**
 * Takes the bridge out of service at once, unlike its delete (the kernel answers that after RCU grace periods
 * and once every reference to the device is dropped, 20 to 70 ms here): down, nothing is routed to it or through
 * it any more. The alias marks it, so that a bridge whose delete a crash interrupted is reaped at the next start.
 * Returns its index for deleteRetiredBridge; undefined when it is missing.
 */
export async function retireBridge(rtnl: Rtnl, name: string): Promise<number | undefined> {
  const link = await rtnl.link(name);
  if (link?.kind !== "bridge") return undefined;
  await rtnl.setDown(link.index, RETIRED);
  return link.index;
}

async function deleteRetiredBridge(rtnl: Rtnl, index: number): Promise<void> {
  await rtnl.deleteLink(index).catch(unless("ENODEV"));
}

/** Deletes the bridges retired before a crash. */
export async function reapRetiredBridges(rtnl: Rtnl): Promise<void> {
  for (const link of await rtnl.links()) {
    if (link.kind === "bridge" && link.alias === RETIRED) await deleteRetiredBridge(rtnl, link.index);
  }
}
