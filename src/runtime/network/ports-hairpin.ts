// Hairpin mode on a container's bridge port, so that the container reaches its own published ports at the
// host's addresses. With br_netfilter, a packet DNATed back to the bridge it came from is bridged, not routed,
// and the bridge sends a frame out of the port it arrived on only in hairpin mode (dockerd sets it too when it
// publishes ports without its userland proxy).
import { createRtNetlink, rt } from "netlink";

const AF_BRIDGE = 7;
const IFLA_PROTINFO = 12;
const IFLA_BRPORT_MODE = 4;
/** Without this flag the kernel reads IFLA_PROTINFO as an old-style port *state*; the netlink package strips it. */
const NLA_F_NESTED = 0x8000;

/** Sets or clears hairpin mode on bridge port `name` in the calling thread's namespace; a port gone is fine. */
export async function setHairpin(name: string, on: boolean): Promise<void> {
  const rtnl = createRtNetlink();
  try {
    const [link] = await rtnl.getLink({}, { ifname: name }).catch((err: Error) => {
      if (/ENODEV/.test(err.message)) return [];
      throw err;
    });
    if (!link) return;
    const mode = attribute(IFLA_BRPORT_MODE, Buffer.from([on ? 1 : 0]));
    const message = Buffer.concat([rt.formatLink({ family: AF_BRIDGE, index: link.data.index! }), attribute(IFLA_PROTINFO | NLA_F_NESTED, mode)]);
    await rtnl.request(rt.MessageType.SETLINK, message).catch((err: Error) => {
      throw new Error(`cannot ${on ? "set" : "clear"} hairpin mode on ${name}: ${err.message}`);
    });
  } finally {
    rtnl.socket.close();
  }
}

/** One netlink attribute: length, type, payload, padded to 4 bytes. */
function attribute(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(4 + payload.length, 0);
  header.writeUInt16LE(type, 2);
  return Buffer.concat([header, payload, Buffer.alloc((4 - (payload.length % 4)) % 4)]);
}
