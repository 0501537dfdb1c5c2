// Container endpoints of the Docker Engine API, backed by the runtime's container service.
import { extractIntoContainer, packFromContainer, statInContainer, type ArchiveSources, type PathStat } from "../../runtime/container/archive.js";
import { attachContainer } from "../../runtime/container/attach.js";
import { containerChanges, mountedPaths } from "../../runtime/container/changes.js";
import { FRAME, resizePayload, sendFrame } from "../../runtime/container/attach-socket.js";
import { conflict } from "../../runtime/container/errors.js";
import type { Container, ContainerEvents, ContainerService, StartOrder, WaitCondition } from "../../runtime/container/lifecycle.js";
import type { CreateRequest } from "../../runtime/container/config.js";
import { inspectContainer, summarizeContainer } from "../../runtime/container/inspect.js";
import { streamLogs, writeAndDrain, type LogOptions } from "../../runtime/container/logs.js";
import { top } from "../../runtime/container/top.js";
import { bodyConfig, commitContainer } from "../../runtime/image/commit.js";
import type { ImageStore } from "../../runtime/image/store.js";
import type { NetworkService } from "../../runtime/network/service.js";
import type { VolumeStore } from "../../runtime/volume/store.js";
import { ApiError } from "../errors.js";
import { parseTimestamp } from "../events.js";
import type { Filters } from "../filters.js";
import { route, type Context, type Route } from "../router.js";
import { frame, hijack, MULTIPLEXED_STREAM, RAW_STREAM, STDERR, STDOUT } from "../stream.js";
import { mapped } from "./errors.js";

export interface ContainerRouteDeps {
  containers: ContainerService;
  images: ImageStore;
  volumes: VolumeStore;
  events: ContainerEvents;
  networks: NetworkService;
}

const LIST_FILTERS = ["ancestor", "exited", "health", "id", "label", "name", "status"] as const;
const HEALTH_STATUSES = ["starting", "healthy", "unhealthy", "none"];
const STATUSES = ["created", "restarting", "running", "removing", "paused", "exited", "dead"];
const WAIT_CONDITIONS: readonly WaitCondition[] = ["not-running", "next-exit", "removed"];
const PATH_STAT_HEADER = "X-Docker-Container-Path-Stat";

const encodePathStat = (stat: PathStat) => Buffer.from(JSON.stringify(stat)).toString("base64");

function archiveTarget(ctx: Context, containers: ContainerService): { c: Container; path: string } {
  const path = ctx.query.string("path");
  if (!path) throw new ApiError(400, `archive needs a path in the container: ${ctx.req.method} /containers/{id}/archive?path=/PATH`);
  return { c: containers.get(ctx.params.id!), path };
}

/**
 * berth's extension to POST /containers/{id}/start, `berth-after=CONTAINER@MS,...` (StartOrder: exec only once each
 * CONTAINER runs or has started since MS); the start is cancelled if its client goes away while it waits.
 */
function startOrder(ctx: Context): StartOrder {
  const text = ctx.query.string("berth-after");
  if (!text) return {};
  const after = text.split(",").map((item) => {
    const at = item.lastIndexOf("@");
    const since = item.slice(at + 1);
    if (at <= 0 || !/^\d+$/.test(since)) throw new ApiError(400, `invalid berth-after ${JSON.stringify(item)}: give CONTAINER@MILLISECONDS`);
    return { ref: item.slice(0, at), since: Number(since) };
  });
  const cancelled = new AbortController();
  ctx.res.once("close", () => cancelled.abort());
  return { after, signal: cancelled.signal };
}

export function containerRoutes(deps: ContainerRouteDeps): Route[] {
  const { containers, volumes } = deps;
  const archiveSources = (c: Container): ArchiveSources => ({ rootfs: deps.images.rootfs(c.record.Image), volumes });
  const r = (method: string, path: string, handler: (ctx: Context) => void | Promise<void>) => route(method, path, mapped(handler));
  return [
    r("GET", "/containers/json", (ctx) => list(ctx, deps)),
    r("POST", "/containers/create", async (ctx) => {
      const body = (await ctx.body<CreateRequest>()) ?? {};
      ctx.json(await containers.create(ctx.query.string("name"), body), 201);
    }),
    r("GET", "/containers/{id}/json", (ctx) => ctx.json(inspectContainer(containers.get(ctx.params.id!), volumes, deps.networks))),
    r("POST", "/containers/{id}/start", noContent((ctx) => containers.start(ctx.params.id!, "api", startOrder(ctx)))),
    r("POST", "/containers/{id}/stop", noContent((ctx) => {
      const timeoutSeconds = ctx.query.int("t") ?? ctx.query.int("timeout");
      const signal = ctx.query.string("signal");
      return containers.stop(ctx.params.id!, { ...(timeoutSeconds !== undefined && { timeoutSeconds }), ...(signal && { signal }) });
    })),
    r("POST", "/containers/{id}/restart", noContent((ctx) => containers.restart(ctx.params.id!, ctx.query.int("t")))),
    r("POST", "/containers/{id}/kill", noContent((ctx) => containers.kill(ctx.params.id!, ctx.query.string("signal") || undefined))),
    r("POST", "/containers/{id}/pause", noContent((ctx) => containers.pause(ctx.params.id!))),
    r("POST", "/containers/{id}/unpause", noContent((ctx) => containers.unpause(ctx.params.id!))),
    r("POST", "/containers/{id}/rename", noContent(async (ctx) => {
      const name = ctx.query.string("name");
      if (!name) throw new ApiError(400, "rename needs the new name: POST /containers/{id}/rename?name=NEW");
      await containers.rename(ctx.params.id!, name);
    })),
    r("DELETE", "/containers/{id}", noContent(async (ctx) => {
      if (ctx.query.bool("link")) throw new ApiError(501, "container links are not supported by berth");
      await containers.remove(ctx.params.id!, { force: ctx.query.bool("force"), volumes: ctx.query.bool("v") });
    })),
    r("POST", "/containers/{id}/wait", (ctx) => wait(ctx, containers)),
    r("GET", "/containers/{id}/logs", (ctx) => logs(ctx, containers.get(ctx.params.id!))),
    r("POST", "/containers/prune", (ctx) => prune(ctx, containers)),
    r("POST", "/containers/{id}/attach", (ctx) => attach(ctx, containers.get(ctx.params.id!), deps.events)),
    r("POST", "/containers/{id}/resize", async (ctx) => {
      const c = containers.get(ctx.params.id!);
      const [rows, cols] = [ctx.query.int("h"), ctx.query.int("w")];
      if (rows === undefined || cols === undefined) throw new ApiError(400, "resize needs both h (rows) and w (columns)");
      if (!c.running) throw conflict(`Container ${c.id} is not running`);
      await sendFrame(c.dir, FRAME.resize, resizePayload(rows, cols));
      ctx.res.writeHead(200);
      ctx.res.end();
    }),
    r("PUT", "/containers/{id}/archive", async (ctx) => {
      const { c, path } = archiveTarget(ctx, containers);
      const query = { noOverwriteDirNonDir: ctx.query.bool("noOverwriteDirNonDir"), copyUIDGID: ctx.query.bool("copyUIDGID") };
      await extractIntoContainer(c, archiveSources(c), path, ctx.req, query);
      ctx.res.writeHead(200);
      ctx.res.end();
    }),
    r("HEAD", "/containers/{id}/archive", (ctx) => {
      const { c, path } = archiveTarget(ctx, containers);
      ctx.res.writeHead(200, { [PATH_STAT_HEADER]: encodePathStat(statInContainer(c, archiveSources(c), path)) });
      ctx.res.end();
    }),
    r("GET", "/containers/{id}/archive", async (ctx) => {
      const { c, path } = archiveTarget(ctx, containers);
      const stat = statInContainer(c, archiveSources(c), path);
      ctx.res.writeHead(200, { "Content-Type": "application/x-tar", [PATH_STAT_HEADER]: encodePathStat(stat) });
      await packFromContainer(c, archiveSources(c), path, ctx.res);
    }),
    r("GET", "/containers/{id}/top", async (ctx) => ctx.json(await top(containers.get(ctx.params.id!), ctx.query.string("ps_args")))),
    r("GET", "/containers/{id}/changes", (ctx) => {
      const c = containers.get(ctx.params.id!);
      const rootfs = deps.images.rootfs(c.record.Image);
      ctx.json(containerChanges(c.paths.upper, rootfs.lowerDirs, mountedPaths(c.record, rootfs.binds)));
    }),
    r("POST", "/commit", (ctx) => commit(ctx, deps)),
  ];
}

/** `POST /commit?container=&repo=&tag=&comment=&author=&pause=&changes=`, the body an optional Config. */
async function commit(ctx: Context, { containers, images, events }: ContainerRouteDeps): Promise<void> {
  const config = bodyConfig(await ctx.body<unknown>());
  const { query } = ctx;
  const committed = await commitContainer(containers, images, {
    container: query.string("container") ?? "",
    repo: query.string("repo"),
    tag: query.string("tag"),
    comment: query.string("comment"),
    author: query.string("author"),
    // as dockerd: pause unless the client says otherwise
    pause: query.string("pause") ? query.bool("pause") : true,
    changes: new URLSearchParams(ctx.req.url?.split("?")[1] ?? "").getAll("changes"),
    config,
  });
  events("commit", committed.container.record, { comment: query.string("comment") ?? "", imageID: committed.id, imageRef: committed.tag ?? "" });
  ctx.json({ Id: committed.id }, 201);
}

/** A handler whose success is a bare 204, as Docker answers state changes. */
function noContent(action: (ctx: Context) => Promise<void>): (ctx: Context) => Promise<void> {
  return async (ctx) => {
    await action(ctx);
    ctx.res.writeHead(204);
    ctx.res.end();
  };
}

function list(ctx: Context, { containers, images, volumes, networks }: ContainerRouteDeps): void {
  const filters = ctx.query.filters(LIST_FILTERS);
  for (const status of filters.values("status")) {
    if (!STATUSES.includes(status)) throw new ApiError(400, `invalid filter 'status=${status}': valid statuses are ${STATUSES.join(", ")}`);
  }
  for (const health of filters.values("health")) {
    if (!HEALTH_STATUSES.includes(health)) throw new ApiError(400, `Unrecognised filter value for health: ${health}`);
  }
  const ancestors = filters.values("ancestor").flatMap((ref) => {
    try {
      return [images.get(ref).id];
    } catch {
      return []; // an unknown image is an ancestor of nothing
    }
  });
  const names = filters.values("name").map((pattern) => {
    try {
      return new RegExp(pattern);
    } catch {
      throw new ApiError(400, `invalid filter 'name=${pattern}': not a valid regular expression`);
    }
  });
  const all = ctx.query.bool("all") || filters.has("status") || filters.has("exited");
  const limit = ctx.query.int("limit") ?? -1;
  let selected = containers
    .list()
    .filter((c) => all || ["running", "paused", "restarting"].includes(c.record.State.Status))
    .filter((c) => matches(c, filters, names, ancestors))
    .sort((a, b) => Date.parse(b.record.Created) - Date.parse(a.record.Created));
  if (limit > 0) selected = selected.slice(0, limit);
  const now = Date.now();
  ctx.json(selected.map((c) => summarizeContainer(c, volumes, networks, now)));
}

function matches(c: Container, filters: Filters, names: RegExp[], ancestors: string[]): boolean {
  const { record } = c;
  return (
    filters.fuzzy("id", record.Id) &&
    (names.length === 0 || names.some((name) => name.test(`/${record.Name}`))) &&
    filters.exact("status", record.State.Status) &&
    filters.exact("health", record.State.Health?.Status ?? "none") &&
    filters.labels("label", record.Config.Labels) &&
    (!filters.has("ancestor") || ancestors.includes(record.Image)) &&
    (!filters.has("exited") || (record.State.Status === "exited" && filters.exact("exited", String(record.State.ExitCode))))
  );
}

/** The status line goes out at once, so that a client waiting before start (docker run) knows it is registered. */
async function wait(ctx: Context, containers: ContainerService): Promise<void> {
  const condition = (ctx.query.string("condition") || "not-running") as WaitCondition;
  if (!WAIT_CONDITIONS.includes(condition)) {
    throw new ApiError(400, `invalid condition "${condition}": valid are ${WAIT_CONDITIONS.join(", ")}`);
  }
  const result = containers.wait(ctx.params.id!, condition);
  ctx.res.writeHead(200, { "Content-Type": "application/json" });
  ctx.res.flushHeaders();
  ctx.res.end(JSON.stringify(await result) + "\n");
}

async function logs(ctx: Context, c: Container): Promise<void> {
  const { query } = ctx;
  const tail = query.string("tail");
  if (tail !== undefined && tail !== "all" && !/^\d+$/.test(tail)) {
    throw new ApiError(400, `invalid value for tail: "${tail}": use a number of lines or "all"`);
  }
  const since = parseTimestamp("since", query.string("since"));
  const until = parseTimestamp("until", query.string("until"));
  const options: LogOptions = {
    stdout: query.bool("stdout"),
    stderr: query.bool("stderr"),
    follow: query.bool("follow"),
    timestamps: query.bool("timestamps"),
    ...(tail !== undefined && tail !== "all" && { tail: Number(tail) }),
    // since=0 is "from the beginning", as the docker CLI sends it
    ...(since !== undefined && since > 0n && { since }),
    ...(until !== undefined && until > 0n && { until }),
  };
  if (!options.stdout && !options.stderr) throw new ApiError(400, "Bad parameters: you must choose at least one stream");
  const tty = c.record.Config.Tty;
  const { res } = ctx;
  res.writeHead(200, { "Content-Type": tty ? RAW_STREAM : MULTIPLEXED_STREAM });
  res.flushHeaders();
  const closed = new Promise<void>((resolve) => res.once("close", resolve));
  await streamLogs(c, options, (entry, payload) => writeAndDrain(res, tty ? payload : frame(entry.stream === "stdout" ? STDOUT : STDERR, payload)), closed);
  res.end();
}

/** Replays the log (logs=1) and/or joins the live streams (stream=1) on a hijacked connection. */
async function attach(ctx: Context, c: Container, events: ContainerEvents): Promise<void> {
  const { query } = ctx;
  const { Tty: tty, StdinOnce } = c.record.Config;
  const options = { stdin: query.bool("stdin"), stdout: query.bool("stdout"), stderr: query.bool("stderr"), tty, closeStdinOnEnd: StdinOnce };
  const client = hijack(ctx, tty ? RAW_STREAM : MULTIPLEXED_STREAM);
  events("attach", c.record);
  if (query.bool("logs")) {
    const logOptions = { stdout: options.stdout, stderr: options.stderr, follow: false, timestamps: false };
    const closed = new Promise<void>((resolve) => client.once("close", resolve));
    await streamLogs(c, logOptions, (entry, payload) => writeAndDrain(client, tty ? payload : frame(entry.stream === "stdout" ? STDOUT : STDERR, payload)), closed);
  }
  if (query.bool("stream")) await attachContainer(c, client, options);
  client.end();
}

async function prune(ctx: Context, containers: ContainerService): Promise<void> {
  const filters = ctx.query.filters(["label", "until"]);
  const until = filters.values("until").map((v) => parseTimestamp("until", v)!);
  const deleted: string[] = [];
  for (const c of containers.list()) {
    const { record } = c;
    if (c.running || record.State.Status === "removing") continue;
    if (!filters.labels("label", record.Config.Labels)) continue;
    if (until.some((u) => BigInt(Date.parse(record.Created)) * 1_000_000n > u)) continue;
    await containers.remove(record.Id);
    deleted.push(record.Id);
  }
  ctx.json({ ContainersDeleted: deleted, SpaceReclaimed: 0 });
}
