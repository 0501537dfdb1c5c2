// Reads nftables state straight from the kernel over nfnetlink, in-process: what `nft -j list ruleset` would
// tell the firewall, without forking berthd for an nft process and without serializing every rule of every table.
// Only reads: changes still go through `nft -f`, one transaction each.
import { createNetlink, type NetlinkSocket } from "netlink";
import { inNetns } from "../native.js";

const NETLINK_NETFILTER = 12;
const NFNL_SUBSYS_NFTABLES = 10;
const NFT_MSG_GETCHAIN = 4;
const NFT_MSG_GETRULE = 7;
const NLM_F_REQUEST = 0x1;
const NLM_F_DUMP = 0x300;
const NFPROTO_IPV4 = 2;
const NFTA_CHAIN_TABLE = 1;
const NFTA_CHAIN_NAME = 3;
const NFTA_CHAIN_POLICY = 5;
const NFTA_RULE_TABLE = 1;
const NFTA_RULE_CHAIN = 2;
const NFTA_RULE_HANDLE = 3;
const NFTA_RULE_USERDATA = 7;
/** libnftnl's type for a rule's comment inside its user data (NFTNL_UDATA_RULE_COMMENT). */
const UDATA_RULE_COMMENT = 0;
const NF_DROP = 0;

export interface NftChain {
  table: string;
  name: string;
  /** Base chains only. */
  policy?: "accept" | "drop";
}

export interface NftRule {
  handle: number;
  comment?: string;
}

/** The `ip` family's tables, read over nfnetlink in berthd's network namespace (or `netnsPath`'s, in tests). */
export class NftState {
  constructor(private readonly netnsPath: string | null = null) {}

  /** Every chain of every `ip` table. */
  async chains(): Promise<NftChain[]> {
    const messages = await this.dump(NFT_MSG_GETCHAIN, []);
    return messages.map((data) => {
      const attrs = attributes(data);
      const policy = attrs.get(NFTA_CHAIN_POLICY);
      return {
        table: text(attrs.get(NFTA_CHAIN_TABLE)),
        name: text(attrs.get(NFTA_CHAIN_NAME)),
        ...(policy && { policy: policy.readUInt32BE(0) === NF_DROP ? ("drop" as const) : ("accept" as const) }),
      };
    });
  }

  /** The rules of `ip table chain`; none when it does not exist. */
  async rules(table: string, chain: string): Promise<NftRule[]> {
    const filter = [attribute(NFTA_RULE_TABLE, cString(table)), attribute(NFTA_RULE_CHAIN, cString(chain))];
    const messages = await this.dump(NFT_MSG_GETRULE, filter).catch((err: Error) => {
      if (/ENOENT/.test(err.message)) return [];
      throw err;
    });
    const rules: NftRule[] = [];
    for (const data of messages) {
      const attrs = attributes(data);
      // Older kernels ignore the filter attributes of a dump: check.
      if (text(attrs.get(NFTA_RULE_TABLE)) !== table || text(attrs.get(NFTA_RULE_CHAIN)) !== chain) continue;
      const comment = ruleComment(attrs.get(NFTA_RULE_USERDATA));
      rules.push({ handle: Number(attrs.get(NFTA_RULE_HANDLE)!.readBigUInt64BE(0)), ...(comment !== undefined && { comment }) });
    }
    return rules;
  }

  private async dump(command: number, filter: Buffer[]): Promise<Buffer[]> {
    // A socket per query: it belongs to the namespace it was made in, and queries are rare.
    const open = () => createNetlink(NETLINK_NETFILTER);
    const socket: NetlinkSocket = this.netnsPath === null ? open() : inNetns(this.netnsPath, open);
    try {
      const header = Buffer.from([NFPROTO_IPV4, 0, 0, 0]);
      const [messages] = (await socket.request((NFNL_SUBSYS_NFTABLES << 8) | command, [header, ...filter], {
        flags: NLM_F_REQUEST | NLM_F_DUMP,
      })) as unknown as [{ data: Buffer }[]];
      // Each message: nfgenmsg (4 bytes), then attributes.
      return messages.map((m) => m.data.subarray(4));
    } finally {
      socket.close();
    }
  }
}

function attributes(data: Buffer): Map<number, Buffer> {
  const found = new Map<number, Buffer>();
  for (let at = 0; at + 4 <= data.length; ) {
    const length = data.readUInt16LE(at);
    if (length < 4) break;
    found.set(data.readUInt16LE(at + 2) & 0x3fff, data.subarray(at + 4, at + length));
    at += (length + 3) & ~3;
  }
  return found;
}

/** User data is a list of (type: u8, length: u8, value) items; the comment is NUL-terminated. */
function ruleComment(userdata: Buffer | undefined): string | undefined {
  for (let at = 0; userdata && at + 2 <= userdata.length; at += 2 + userdata[at + 1]!) {
    if (userdata[at] === UDATA_RULE_COMMENT) return text(userdata.subarray(at + 2, at + 2 + userdata[at + 1]!));
  }
  return undefined;
}

const text = (value: Buffer | undefined) => (value ? value.toString("utf8").replace(/\0.*$/s, "") : "");
const cString = (value: string) => Buffer.from(`${value}\0`);

function attribute(type: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(4 + payload.length, 0);
  header.writeUInt16LE(type, 2);
  return Buffer.concat([header, payload, Buffer.alloc((4 - (payload.length % 4)) % 4)]);
}
