// A small typed rtnetlink client over the `netlink` package: just the links, addresses and routes berth needs,
// with kernel errors as NetlinkError carrying the errno name (EEXIST, ENODEV, ...).
import { AttrStream, createRtNetlink, FlagsNew, ifla, rt, type RtNetlinkSocket, type StreamData } from "netlink";
import { inNetns, rtnlRequest, rtnlSocket } from "../native.js";
import { formatIPv4, parseIPv4 } from "./cidr.js";
import { Slots } from "./slots.js";

export class NetlinkError extends Error {
  override name = "NetlinkError";
  constructor(
    /** The errno name the kernel answered with, e.g. "EEXIST". */
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A catch handler that swallows one expected kernel answer, e.g. EEXIST from a create that raced. */
export function unless(code: string): (err: unknown) => void {
  return (err) => {
    if (!(err instanceof NetlinkError && err.code === code)) throw err;
  };
}

export interface Link {
  index: number;
  name: string;
  /** IFLA_INFO_KIND: "bridge", "veth", ...; undefined for physical and loopback devices. */
  kind?: string;
  mtu: number;
  up: boolean;
  /** Index of the bridge this link is enslaved to. */
  master?: number;
  /** IFLA_IFALIAS, a free-form description (`ip link set ... alias`). */
  alias?: string;
}

export interface Address {
  index: number;
  address: string;
  prefixLength: number;
}

export interface Route {
  destination: string;
  prefixLength: number;
  gateway?: string;
}

/** What a new veth's peer gets: created directly in the namespace it belongs in, already named. */
export interface VethPeer {
  name: string;
  /** An open fd of the target network namespace. */
  netnsFd: number;
  /** `02:42:…`; the kernel picks one when it is not given. */
  mac?: string;
}

const AF_INET = 2;
const MAIN_TABLE = 254;
/** Requests in flight per socket: their replies (a dump's first part at most ~32 KiB) fit in the default receive buffer. */
const MAX_IN_FLIGHT = 4;
const CREATE = { flags: FlagsNew.CREATE | FlagsNew.EXCL };
const RTM_DELLINK = 17;
const RTM_SETLINK = 19;
const NLM_F_REQUEST_ACK = 0x1 | 0x4;
/** The link group (IFLA_GROUP) of links marked for deletion: one RTM_DELLINK of the group deletes them all. */
const DELETE_GROUP = 0x62657274; // "bert"

/** Link deletes on threadpool threads at once: the pool's other two threads stay free for berthd's file system calls. */
const deleteSlots = new Slots(2);

/**
 * A link request message: header, ifinfomsg, attributes. The attributes are made as one stream: attribute buffers
 * made apart cannot be joined, since the last attribute of each lacks the padding the next one needs.
 */
function linkMessage(type: number, info: rt.LinkMessage["data"], linkAttrs: ifla.LinkAttrs): Buffer {
  const body = Buffer.concat([rt.formatLink(info), attrs(ifla.formatLinkAttrs(linkAttrs))]);
  const header = Buffer.alloc(16);
  header.writeUInt32LE(16 + body.length, 0);
  header.writeUInt16LE(type, 4);
  header.writeUInt16LE(NLM_F_REQUEST_ACK, 6);
  return Buffer.concat([header, body]);
}

function attrs(data: StreamData): Buffer {
  const stream = new AttrStream();
  stream.emit(data);
  return Buffer.concat(stream.bufs);
}

function ipBytes(address: string): Buffer {
  const n = parseIPv4(address);
  if (n === undefined) throw new Error(`not an IPv4 address: ${address}`);
  return Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

function ipText(bytes: Buffer): string {
  return formatIPv4(bytes.readUInt32BE(0));
}

/** The package throws `Error("Request rejected: EEXIST")`; turn that into a NetlinkError naming the request. */
async function request<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const code = /^Request rejected: (\w+)$/.exec((err as Error).message)?.[1];
    if (code === undefined) throw err;
    throw new NetlinkError(code, `${what}: ${code}`);
  }
}

export class Rtnl {
  private constructor(
    private readonly socket: RtNetlinkSocket,
    /** Where the socket lives: a bound namespace, or (null) the calling thread's at open. */
    private readonly netnsPath: string | null,
  ) {}
  /**
   * Requests on this socket wait for one of these slots. The kernel queues every reply in the socket's receive
   * buffer; one that does not fit is dropped and the socket flagged ENOBUFS, which the `netlink` package turns
   * into a C++ exception out of its libuv callback: berthd dies (seen with 50 containers stopped at once).
   */
  private readonly inFlight = new Slots(MAX_IN_FLIGHT);

  private request<T>(what: string, call: () => Promise<T>): Promise<T> {
    return this.inFlight.run(() => request(what, call));
  }

  /** A socket in the calling thread's network namespace. */
  static open(): Rtnl {
    return new Rtnl(createRtNetlink(), null);
  }

  /** A socket in the network namespace bound at `netnsPath`; it keeps working there from this thread. */
  static openIn(netnsPath: string): Rtnl {
    return new Rtnl(inNetns(netnsPath, () => createRtNetlink()), netnsPath);
  }

  close(): void {
    this.socket.socket.close();
  }

  async link(name: string): Promise<Link | undefined> {
    try {
      const [message] = await this.request(`get link ${name}`, () => this.socket.getLink({}, { ifname: name }));
      return message && toLink(message);
    } catch (err) {
      if (err instanceof NetlinkError && err.code === "ENODEV") return undefined;
      throw err;
    }
  }

  async links(): Promise<Link[]> {
    return (await this.request("list links", () => this.socket.getLinks())).map(toLink);
  }

  /**
   * A bridge with the MAC address `mac`. Without one the kernel gives the bridge its lowest port's MAC and
   * changes it when that port goes: containers that had learnt the gateway's old MAC could not reach it
   * (its DNS server included) until their ARP entries expired.
   */
  async createBridge(name: string, mtu: number, mac: string): Promise<void> {
    const linkinfo = attrs(ifla.formatInfo({ kind: "bridge" }));
    await this.request(`create bridge ${name}`, () => this.socket.newLink({}, { ifname: name, mtu, address: macBytes(mac), linkinfo }, CREATE));
  }

  /** A veth pair: `name` here, up and enslaved to `master`; the peer created in its namespace, down. */
  async createVeth(name: string, mtu: number, master: number, peer: VethPeer): Promise<void> {
    const peerAttrs = attrs(ifla.formatLinkAttrs({ ifname: peer.name, mtu, netNsFd: peer.netnsFd, address: peer.mac === undefined ? undefined : macBytes(peer.mac) }));
    const peerMessage = Buffer.concat([rt.formatLink({}), peerAttrs]);
    const linkinfo = attrs(ifla.formatInfo({ kind: "veth", data: attrs(ifla.formatVethInfo({ peer: peerMessage })) }));
    const up = { up: true } as const;
    await this.request(`create veth ${name}`, () =>
      this.socket.newLink({ flags: up, change: up }, { ifname: name, mtu, master, linkinfo }, CREATE),
    );
  }

  async setUp(index: number): Promise<void> {
    const up = { up: true } as const;
    await this.request(`set link ${index} up`, () => this.socket.setLink({ index, flags: up, change: up }));
  }

  /** Sets the link down and its alias, in one request. */
  async setDown(index: number, alias: string): Promise<void> {
    await this.request(`set link ${index} down`, () => this.socket.setLink({ index, flags: {}, change: { up: true } }, { ifalias: alias }));
  }

  async setMtu(index: number, mtu: number): Promise<void> {
    await this.request(`set link ${index} mtu ${mtu}`, () => this.socket.setLink({ index }, { mtu }));
  }

  /** The group delete not yet sent, which every link marked from now on rides, and the one under way. */
  private nextDelete?: Promise<void>;
  private runningDelete?: Promise<void>;

  /**
   * Deletes a link, by index or by name; resolves once it is gone. The kernel answers a delete only after RCU
   * grace periods (~20 ms, more under load), holding the lock every link change takes, and inside sendmsg. So a
   * delete marks the link (its group, at once) and then rides the next delete of the whole group: links removed
   * close together (a project's containers at `down`) go in one kernel pass, ten veths ~30 ms instead of ~200.
   * Both requests go on sockets of their own, from threadpool threads: on the event loop, every other request to
   * berthd would wait for the lock. By name, a link needs no lookup first.
   */
  async deleteLink(link: number | string): Promise<void> {
    const mark = typeof link === "number" ? linkMessage(RTM_SETLINK, { index: link }, { group: DELETE_GROUP }) : linkMessage(RTM_SETLINK, {}, { ifname: link, group: DELETE_GROUP });
    await this.threadRequest(`delete link ${link}`, mark);
    await this.deleteMarked();
  }

  /** A delete of the group that starts after this call, so that it takes every link marked before. */
  private deleteMarked(): Promise<void> {
    if (this.nextDelete) return this.nextDelete;
    const batch: Promise<void> = (this.runningDelete ?? Promise.resolve()).then(async () => {
      this.nextDelete = undefined;
      this.runningDelete = batch;
      try {
        // ENODEV: no link is in the group any more (a namespace's end took them, or another delete did).
        await this.threadRequest("delete marked links", linkMessage(RTM_DELLINK, {}, { group: DELETE_GROUP })).catch(unless("ENODEV"));
      } finally {
        if (this.runningDelete === batch) this.runningDelete = undefined;
      }
    });
    this.nextDelete = batch;
    return batch;
  }

  /** `request` on a socket of its own, from a threadpool thread. */
  private async threadRequest(what: string, request: Buffer): Promise<void> {
    await deleteSlots.run(async () => {
      try {
        const fd = this.netnsPath === null ? rtnlSocket() : inNetns(this.netnsPath, rtnlSocket);
        await rtnlRequest(fd, request);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw code ? new NetlinkError(code, `${what}: ${code}`) : err;
      }
    });
  }

  async addresses(index?: number): Promise<Address[]> {
    const messages = await this.request("list addresses", () => this.socket.getAddresses({ family: AF_INET }));
    return messages
      .filter((m) => m.attrs.local !== undefined && (index === undefined || m.data.index === index))
      .map((m) => ({ index: m.data.index!, address: ipText(m.attrs.local!), prefixLength: m.data.prefixlen! }));
  }

  /** Adds an IPv4 address (IFA_LOCAL and IFA_ADDRESS both, as iproute2 does). */
  async addAddress(index: number, address: string, prefixLength: number): Promise<void> {
    const bytes = ipBytes(address);
    await this.request(`add address ${address}/${prefixLength} to link ${index}`, () =>
      this.socket.newAddress({ family: AF_INET, prefixlen: prefixLength, index }, { local: bytes, address: bytes }, CREATE),
    );
  }

  /** IPv4 routes of the main table. */
  async routes(): Promise<Route[]> {
    const messages = await this.request("list routes", () => this.socket.getRoutes({ family: AF_INET }));
    return messages
      .filter((m) => (m.attrs.table ?? m.data.table) === MAIN_TABLE)
      .map((m) => ({
        destination: m.attrs.dst ? ipText(m.attrs.dst) : "0.0.0.0",
        prefixLength: m.data.dstLen ?? 0,
        ...(m.attrs.gateway ? { gateway: ipText(m.attrs.gateway) } : {}),
      }));
  }

  async addDefaultRoute(gateway: string): Promise<void> {
    await this.request(`add default route via ${gateway}`, () =>
      this.socket.newRoute(
        { family: AF_INET, dstLen: 0, table: MAIN_TABLE, protocol: "STATIC", scope: "UNIVERSE", type: "UNICAST" },
        { gateway: ipBytes(gateway) },
        CREATE,
      ),
    );
  }
}

/** `02:42:0a:00:00:01` as the six bytes IFLA_ADDRESS holds. */
function macBytes(mac: string): Buffer {
  return Buffer.from(mac.replaceAll(":", ""), "hex");
}

function toLink(message: rt.LinkMessage): Link {
  const { data, attrs: a } = message;
  return {
    index: data.index!,
    name: a.ifname!,
    ...(a.linkinfo ? { kind: ifla.parseInfo(a.linkinfo).kind } : {}),
    mtu: a.mtu!,
    up: data.flags?.up === true,
    ...(a.master ? { master: a.master } : {}),
    ...(a.ifalias ? { alias: a.ifalias } : {}),
  };
}
