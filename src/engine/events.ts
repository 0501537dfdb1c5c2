// The engine's event bus and `GET /events`: Docker's event messages, replayed from a short history and streamed.
import type { ServerResponse } from "node:http";
import { ApiError } from "./errors.js";
import type { Filters } from "./filters.js";
import { route, type Context, type Route } from "./router.js";

export type EventType =
  | "builder" | "config" | "container" | "daemon" | "image" | "network" | "node" | "plugin" | "secret" | "service" | "volume";

export interface EventActor {
  ID: string;
  Attributes: Record<string, string>;
}

export interface EngineEvent {
  Type: EventType;
  Action: string;
  Actor: EventActor;
  scope: "local";
  /** Wall-clock time in nanoseconds since the epoch; unique and increasing within one daemon. */
  timeNano: bigint;
}

type Listener = (event: EngineEvent) => void;

/** As many past events as dockerd keeps for `since` replays. */
const HISTORY = 256;

export class EventBus {
  private readonly history: EngineEvent[] = [];
  private readonly listeners = new Map<Listener, () => void>();
  private lastNano = 0n;

  emit(type: EventType, action: string, actor: EventActor): EngineEvent {
    const now = BigInt(Date.now()) * 1_000_000n;
    this.lastNano = now > this.lastNano ? now : this.lastNano + 1n;
    const event: EngineEvent = { Type: type, Action: action, Actor: actor, scope: "local", timeNano: this.lastNano };
    this.history.push(event);
    if (this.history.length > HISTORY) this.history.shift();
    for (const listener of this.listeners.keys()) listener(event);
    return event;
  }

  /** Past events with since ≤ timeNano ≤ until. */
  replay(since: bigint, until: bigint): EngineEvent[] {
    return this.history.filter((e) => e.timeNano >= since && e.timeNano <= until);
  }

  /** `onClose` runs when the bus closes (daemon shutdown). Returns the unsubscribe function. */
  subscribe(listener: Listener, onClose: () => void): () => void {
    this.listeners.set(listener, onClose);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  close(): void {
    const closers = [...this.listeners.values()];
    this.listeners.clear();
    for (const onClose of closers) onClose();
  }
}

/** Docker's wire shape, with the legacy status/id/from fields API 1.50 still sends for containers and images. */
export function encodeEvent(e: EngineEvent): string {
  const legacy =
    e.Type === "container" ? { status: e.Action, id: e.Actor.ID, from: e.Actor.Attributes.image }
    : e.Type === "image" ? { status: e.Action, id: e.Actor.ID }
    : {};
  const seconds = e.timeNano / 1_000_000_000n;
  const head = JSON.stringify({ ...legacy, Type: e.Type, Action: e.Action, Actor: e.Actor, scope: e.scope });
  // timeNano exceeds Number's exact range, so it is written as a bigint by hand.
  return `${head.slice(0, -1)},"time":${seconds},"timeNano":${e.timeNano}}\n`;
}

export const EVENT_FILTERS = [
  "config", "container", "daemon", "event", "image", "label", "network", "node", "plugin", "scope", "secret", "service", "type", "volume",
] as const;

/** Filters named after a type match actors by ID prefix or name prefix, whatever the event's type, as dockerd does. */
const ACTOR_FILTERS = ["config", "container", "daemon", "network", "node", "plugin", "secret", "service", "volume"] as const;
/** Event filters on these actions also match their `action: detail` forms ("health_status: healthy"). */
const ACTIONS_WITH_DETAIL = ["health_status", "exec_create", "exec_start"];

export function eventMatches(e: EngineEvent, filters: Filters): boolean {
  const action = filters.values("event").some((v) => ACTIONS_WITH_DETAIL.includes(v))
    ? filters.fuzzy("event", e.Action)
    : filters.exact("event", e.Action);
  return (
    action &&
    filters.exact("type", e.Type) &&
    filters.exact("scope", e.scope) &&
    ACTOR_FILTERS.every((key) => filters.fuzzy(key, e.Actor.ID) || filters.fuzzy(key, e.Actor.Attributes.name ?? "")) &&
    imageMatches(e, filters) &&
    filters.labels("label", e.Actor.Attributes)
  );
}

/** Image events by ID or name; container events by the image they were created from — with or without the tag. */
function imageMatches(e: EngineEvent, filters: Filters): boolean {
  const name = (e.Type === "image" ? e.Actor.Attributes.name : e.Actor.Attributes.image) ?? "";
  return [e.Actor.ID, name, familiarName(e.Actor.ID), familiarName(name)].some((candidate) => filters.exact("image", candidate));
}

/** docker.io/library/busybox:1.36 → busybox: the name a user types, without registry defaults, tag or digest. */
function familiarName(reference: string): string {
  let name = reference.replace(/@.*$/, "");
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  if (colon > slash) name = name.slice(0, colon);
  return name.replace(/^(docker\.io|index\.docker\.io)\/(library\/)?/, "");
}

/** `since`/`until` as the docker CLI sends them: Unix seconds with an optional fraction (it converts dates itself). */
export function parseTimestamp(name: string, value: string | undefined): bigint | undefined {
  if (value === undefined || value === "") return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (!m) {
    throw new ApiError(400, `invalid value for ${name}: ${JSON.stringify(value)}; expected Unix seconds, optionally with a fraction (e.g. 1700000000.25)`);
  }
  return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? "").padEnd(9, "0"));
}

/** A client that stops reading falls this far behind before berthd drops it rather than buffer without end. */
const MAX_BACKLOG = 4 * 1024 * 1024;
/** Longest delay setTimeout accepts; an `until` further away simply never fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function eventRoutes(bus: EventBus): Route[] {
  return [route("GET", "/events", (ctx) => streamEvents(ctx, bus))];
}

async function streamEvents(ctx: Context, bus: EventBus): Promise<void> {
  const since = parseTimestamp("since", ctx.query.string("since"));
  const until = parseTimestamp("until", ctx.query.string("until"));
  if (since !== undefined && until !== undefined && until < since) {
    throw new ApiError(400, `\`since\` time (${ctx.query.string("since")}) cannot be after \`until\` time (${ctx.query.string("until")})`);
  }
  const filters = ctx.query.filters(EVENT_FILTERS);
  const { res } = ctx;
  res.writeHead(200, { "Content-Type": "application/json" });
  res.flushHeaders();

  const send = (e: EngineEvent) => {
    if (!eventMatches(e, filters)) return;
    if (res.writableLength > MAX_BACKLOG) res.destroy();
    else res.write(encodeEvent(e));
  };
  if (since !== undefined || until !== undefined) bus.replay(since ?? 0n, until ?? BigInt(Date.now()) * 1_000_000n).forEach(send);

  const untilMs = until === undefined ? undefined : Number(until / 1_000_000n) - Date.now();
  if (untilMs !== undefined && untilMs <= 0) {
    res.end();
    return;
  }
  const unsubscribe = bus.subscribe(send, () => res.end());
  const timer = untilMs !== undefined && untilMs <= MAX_TIMER_MS ? setTimeout(() => res.end(), untilMs) : undefined;
  await closed(res);
  unsubscribe();
  clearTimeout(timer);
}

/** Resolves when the response is over: ended by us, or the client went away. */
function closed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.once("close", resolve));
}
