// Which host port each binding gets, and the socket that holds it. As dockerd's port allocator: a port given
// is taken or refused, a range gives its first free port, and no port given takes the next ephemeral port.
// A host port is taken per protocol and address; 0.0.0.0 takes it on every address.
import { conflict } from "../image/errors.js";
import { ALL_ADDRESSES, type Mapping, type PortRange, type Protocol, type WantedPort } from "./ports-spec.js";
import { bindFailure, type Reservation, type Reserve } from "./ports-socket.js";

/** Docker's fallback when the kernel's range cannot be read. */
export const DEFAULT_EPHEMERAL: PortRange = { first: 49153, last: 65535 };

export interface Held {
  mapping: Mapping;
  reservation: Reservation;
}

interface Taken {
  hostIp: string;
  owner: string;
}

export class PortAllocator {
  /** `<proto>/<port>` → who holds it on which address. */
  private readonly taken = new Map<string, Taken[]>();
  /** Where the next ephemeral search starts, per protocol: ports are handed out round robin, as dockerd does. */
  private readonly next: Record<Protocol, number>;

  constructor(
    private readonly reserve: Reserve,
    private readonly ephemeral: PortRange = DEFAULT_EPHEMERAL,
  ) {
    this.next = { tcp: ephemeral.first, udp: ephemeral.first };
  }

  /** Binds every wanted port for `owner`, or none: on a failure, what was bound is let go and the error thrown. */
  async allocate(owner: string, wanted: readonly WantedPort[]): Promise<Held[]> {
    const held: Held[] = [];
    try {
      for (const w of wanted) held.push(await this.allocateOne(owner, w));
    } catch (err) {
      await this.release(owner, held);
      throw err;
    }
    return held;
  }

  /**
   * Takes exactly these mappings again (after a berthd restart). A port another program took meanwhile stays
   * published (its DNAT rule never went away) but unheld; its error is returned.
   */
  async retake(owner: string, mappings: readonly Mapping[]): Promise<{ held: Held[]; errors: string[] }> {
    const held: Held[] = [];
    const errors: string[] = [];
    for (const mapping of mappings) {
      this.take(mapping, owner);
      try {
        held.push({ mapping, reservation: await this.reserve(mapping.proto, mapping.hostIp, mapping.hostPort) });
      } catch (err) {
        errors.push(`Bind for ${mapping.hostIp}:${mapping.hostPort} failed: ${bindFailure(err)}`);
        held.push({ mapping, reservation: { close: async () => {} } });
      }
    }
    return { held, errors };
  }

  async release(owner: string, held: readonly Held[]): Promise<void> {
    for (const { mapping, reservation } of held) {
      const key = `${mapping.proto}/${mapping.hostPort}`;
      const rest = (this.taken.get(key) ?? []).filter((t) => !(t.owner === owner && t.hostIp === mapping.hostIp));
      if (rest.length > 0) this.taken.set(key, rest);
      else this.taken.delete(key);
      await reservation.close();
    }
  }

  private async allocateOne(owner: string, w: WantedPort): Promise<Held> {
    const range = w.hostPorts ?? this.ephemeral;
    const single = range.first === range.last;
    const size = range.last - range.first + 1;
    // Ephemeral ports are searched from where the last search ended; a range given, from its start.
    const start = w.hostPorts ? range.first : this.next[w.proto];
    for (let i = 0; i < size; i++) {
      const port = range.first + ((start - range.first + i) % size);
      if (this.isTaken(w.proto, w.hostIp, port)) {
        if (single) throw conflict(`Bind for ${w.hostIp}:${port} failed: port is already allocated`);
        continue;
      }
      let reservation: Reservation;
      try {
        reservation = await this.reserve(w.proto, w.hostIp, port);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EADDRINUSE" && !single) continue;
        throw conflict(`Bind for ${w.hostIp}:${port} failed: ${bindFailure(err)}`);
      }
      const mapping: Mapping = { proto: w.proto, hostIp: w.hostIp, hostPort: port, containerPort: w.containerPort };
      this.take(mapping, owner);
      if (!w.hostPorts) this.next[w.proto] = port === range.last ? range.first : port + 1;
      return { mapping, reservation };
    }
    throw conflict(`Bind for ${w.hostIp}:${range.first}-${range.last} failed: all ports are allocated`);
  }

  private isTaken(proto: Protocol, hostIp: string, port: number): boolean {
    return (this.taken.get(`${proto}/${port}`) ?? []).some(
      (t) => t.hostIp === hostIp || t.hostIp === ALL_ADDRESSES || hostIp === ALL_ADDRESSES,
    );
  }

  private take(mapping: Mapping, owner: string): void {
    const key = `${mapping.proto}/${mapping.hostPort}`;
    this.taken.set(key, [...(this.taken.get(key) ?? []), { hostIp: mapping.hostIp, owner }]);
  }
}
