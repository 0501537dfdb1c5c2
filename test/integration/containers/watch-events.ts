// For the health and restart tests: one container's events from berthd's /events, kept in order, with a way to
// wait for the n-th event that matches.
import type { Duplex } from "node:stream";
import type Docker from "dockerode";

export interface SeenEvent {
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

export class EventWatch {
  readonly seen: SeenEvent[] = [];
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  private constructor(private readonly stream: Duplex) {
    let text = "";
    stream.on("data", (chunk: Buffer) => {
      text += chunk;
      const lines = text.split("\n");
      text = lines.pop()!;
      for (const line of lines) this.seen.push(JSON.parse(line) as SeenEvent);
      this.#waiters = this.#waiters.filter((w) => !(w.check() && (w.resolve(), true)));
    });
  }

  /** Events of the container `id` (or all containers' with `{}`), from `since` (unix seconds) on. */
  static async start(docker: Docker, filters: Record<string, string[]>, since?: number): Promise<EventWatch> {
    const stream = (await docker.getEvents({ filters: { type: ["container"], ...filters }, ...(since !== undefined && { since }) })) as unknown as Duplex;
    return new EventWatch(stream);
  }

  /** The actions seen so far, in order. */
  get actions(): string[] {
    return this.seen.map((e) => e.Action);
  }

  /** Resolves once `count` events satisfy `match`; returns those. */
  async next(match: (action: string) => boolean, count = 1): Promise<SeenEvent[]> {
    const matching = () => this.seen.filter((e) => match(e.Action));
    await new Promise<void>((resolve) => {
      const check = () => matching().length >= count;
      if (check()) resolve();
      else this.#waiters.push({ check, resolve });
    });
    return matching().slice(0, count);
  }

  /** Resolves once `count` events with exactly this action were seen. */
  nth(action: string, count = 1): Promise<SeenEvent[]> {
    return this.next((a) => a === action, count);
  }

  close(): void {
    this.stream.destroy();
  }
}
