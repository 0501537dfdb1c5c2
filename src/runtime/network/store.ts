// berthd's network state on disk: one JSON file per network and one per endpoint, each written atomically.
//   <root>/network/networks/<id>.json
//   <root>/network/endpoints/<network id>/<container id>.json
//   <root>/network/ipam/<network id>/            (see ipam.ts)
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { writeFileAtomic } from "../../state/atomic.js";
import { conflict, notFound } from "../image/errors.js";
import type { IpamConfigEntry } from "./ipam.js";

/** Docker's NetworkResource fields that are stored, plus the bridge berth made for the network. */
export interface NetworkRecord {
  Id: string;
  Name: string;
  Created: string;
  Driver: "bridge";
  EnableIPv6: boolean;
  Internal: boolean;
  Attachable: boolean;
  IPAM: { Driver: "default"; Config: IpamConfigEntry[]; Options: Record<string, string> };
  Options: Record<string, string>;
  Labels: Record<string, string>;
  /** The Linux bridge's name and MTU. */
  BridgeName: string;
  Mtu: number;
  /** berthd's own: removed, answered, its rules and bridge still going (never served: lookups no longer find it). */
  Removing?: true;
}

export interface EndpointRecord {
  NetworkID: string;
  ContainerID: string;
  /** The container's name, as inspect lists it under Containers. */
  Name: string;
  EndpointID: string;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  Aliases: string[];
  /** The names the endpoint answers to in the network's DNS. */
  DNSNames: string[];
  /** The veth's host end; deleting it deletes the pair. */
  HostInterface: string;
  NetnsPath: string;
  DefaultRoute: boolean;
}

export class NetworkStore {
  readonly networksDir: string;
  readonly endpointsDir: string;
  readonly ipamDir: string;

  constructor(root: string) {
    const dir = join(root, "network");
    this.networksDir = join(dir, "networks");
    this.endpointsDir = join(dir, "endpoints");
    this.ipamDir = join(dir, "ipam");
  }

  async networks(): Promise<NetworkRecord[]> {
    await mkdir(this.networksDir, { recursive: true, mode: 0o700 });
    return readRecords<NetworkRecord>(this.networksDir);
  }

  async saveNetwork(record: NetworkRecord): Promise<void> {
    await mkdir(this.networksDir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.networksDir, `${record.Id}.json`), JSON.stringify(record, null, 2) + "\n", 0o600);
  }

  /** Forgets the network with its endpoints and address allocations. */
  async removeNetwork(id: string): Promise<void> {
    await rm(join(this.endpointsDir, id), { recursive: true, force: true });
    await rm(join(this.ipamDir, id), { recursive: true, force: true });
    await rm(join(this.networksDir, `${id}.json`), { force: true });
  }

  /** A record a power loss left torn is dropped: its veth and namespace did not survive the reboot either. */
  async endpoints(networkId: string): Promise<EndpointRecord[]> {
    return readRecords<EndpointRecord>(join(this.endpointsDir, networkId), true);
  }

  /**
   * Written through a temp file and a rename, but without fsync (it would double a connect's time): an endpoint
   * describes kernel objects that a power loss takes too, and a berthd crash leaves the page cache intact.
   */
  async saveEndpoint(record: EndpointRecord): Promise<void> {
    const dir = join(this.endpointsDir, record.NetworkID);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${record.ContainerID}.json`);
    const temp = join(dir, `.${record.ContainerID}.json.tmp`);
    await writeFile(temp, JSON.stringify(record, null, 2) + "\n", { mode: 0o600 });
    await rename(temp, path);
  }

  async removeEndpoint(networkId: string, containerId: string): Promise<void> {
    await rm(join(this.endpointsDir, networkId, `${containerId}.json`), { force: true });
  }
}

/** `dropTorn`: a file that does not parse is deleted and skipped instead of failing the read. */
async function readRecords<T>(dir: string, dropTorn = false): Promise<T[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  // Temp files of an interrupted atomic write start with a dot and are skipped.
  const files = names.filter((n) => n.endsWith(".json") && !n.startsWith("."));
  const records: T[] = [];
  for (const n of files) {
    const text = await readFile(join(dir, n), "utf8");
    try {
      records.push(JSON.parse(text) as T);
    } catch (err) {
      if (!dropTorn) throw err;
      await rm(join(dir, n), { force: true });
    }
  }
  return records;
}

/** Docker's lookup order: full id, then exact name, then a unique id prefix. */
export function findNetwork(networks: Iterable<NetworkRecord>, ref: string): NetworkRecord {
  const all = [...networks];
  const exact = all.find((n) => n.Id === ref) ?? all.find((n) => n.Name === ref);
  if (exact) return exact;
  const byPrefix = ref === "" ? [] : all.filter((n) => n.Id.startsWith(ref));
  if (byPrefix.length === 1) return byPrefix[0]!;
  if (byPrefix.length > 1) throw conflict(`network ${ref} is ambiguous (${byPrefix.length} matches found); use more of its id`);
  throw notFound(`network ${ref} not found`);
}
