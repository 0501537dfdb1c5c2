// Image endpoints of the Docker Engine API: list, inspect, history, load, save, tag, delete, pull from and push to a
// registry, and prune. (Build is in build.ts.)
import { hostArchitecture } from "../../runtime/image/platform.js";
import { RegistryError } from "../../runtime/image/registry/client.js";
import { fromAuthHeader } from "../../runtime/image/registry/credentials.js";
import type { RegistryConfig } from "../../runtime/image/registry/hosts.js";
import { parsePlatform } from "../../runtime/image/registry/manifest.js";
import type { ProgressMessage, ProgressSink } from "../../runtime/image/registry/progress.js";
import { fetchImage, pulledName, resolveImage } from "../../runtime/image/registry/pull.js";
import { imageToPush, pushImage } from "../../runtime/image/registry/push.js";
import { familiarName, parseReference, type Reference } from "../../runtime/image/reference.js";
import type { ImageStore } from "../../runtime/image/store.js";
import { ApiError } from "../errors.js";
import { parseTimestamp, type EventBus } from "../events.js";
import { route, type Context, type Route } from "../router.js";
import { mapped } from "./errors.js";

const LIST_FILTERS = ["dangling", "label", "reference"] as const;

export function imageRoutes(images: ImageStore, bus: EventBus, registry: RegistryConfig): Route[] {
  const r = (method: string, path: string, handler: (ctx: Context) => void | Promise<void>) => route(method, path, mapped(handler));
  const emit = (action: string, id: string, name = id) => bus.emit("image", action, { ID: id, Attributes: { name } });
  return [
    r("GET", "/images/json", (ctx) => list(ctx, images)),
    r("GET", "/images/{name*}/json", async (ctx) => ctx.json(await images.inspect(ctx.params.name!))),
    r("GET", "/images/{name*}/history", async (ctx) => ctx.json(await images.history(ctx.params.name!))),
    r("POST", "/images/create", async (ctx) => {
      const reference = pullReference(ctx);
      const name = await pull(ctx, images, registry, reference);
      if (name !== undefined) bus.emit("image", "pull", { ID: name, Attributes: { name: familiarName(reference) } });
    }),
    r("POST", "/images/load", async (ctx) => {
      const loaded = await images.load(ctx.req);
      const lines = loaded.flatMap(({ id, tags }) => {
        for (const tag of tags.length > 0 ? tags : [id]) emit("load", id, tag);
        return tags.length > 0 ? tags.map((tag) => `Loaded image: ${tag}\n`) : [`Loaded image ID: ${id}\n`];
      });
      ctx.res.writeHead(200, { "Content-Type": "application/json" });
      ctx.res.end(lines.map((line) => JSON.stringify({ stream: line }) + "\n").join(""));
    }),
    r("POST", "/images/{name*}/push", async (ctx) => {
      const name = await push(ctx, images, registry);
      if (name !== undefined) bus.emit("image", "push", { ID: name, Attributes: { name } });
    }),
    r("GET", "/images/{name*}/get", (ctx) => save(ctx, images, [ctx.params.name!])),
    r("GET", "/images/get", (ctx) => {
      const names = new URLSearchParams(ctx.req.url?.split("?")[1] ?? "").getAll("names");
      if (names.length === 0) throw new ApiError(400, "no images to save: give one or more ?names=IMAGE");
      return save(ctx, images, names);
    }),
    r("POST", "/images/{name*}/tag", async (ctx) => {
      const repo = ctx.query.string("repo");
      if (!repo) throw new ApiError(400, "tag needs a repository: POST /images/{name}/tag?repo=NAME[&tag=TAG]");
      const tag = ctx.query.string("tag") || undefined;
      await images.tag(ctx.params.name!, repo, tag);
      emit("tag", images.get(ctx.params.name!).id, tag ? `${repo}:${tag}` : repo);
      ctx.res.writeHead(201);
      ctx.res.end();
    }),
    r("POST", "/images/prune", async (ctx) => {
      const { items, reclaimed } = await images.prune(pruneOptions(ctx));
      for (const item of items) if ("Deleted" in item) emit("delete", item.Deleted);
      bus.emit("image", "prune", { ID: "", Attributes: { reclaimed: String(reclaimed) } });
      ctx.json({ ImagesDeleted: items, SpaceReclaimed: reclaimed });
    }),
    r("DELETE", "/images/{name*}", async (ctx) => {
      const id = images.get(ctx.params.name!).id;
      const items = await images.remove(ctx.params.name!, { force: ctx.query.bool("force") });
      for (const item of items) {
        if ("Untagged" in item) emit("untag", id, item.Untagged);
        else emit("delete", item.Deleted);
      }
      ctx.json(items);
    }),
  ];
}

/** What `POST /images/create?fromImage=NAME&tag=TAG|DIGEST` names; the CLI sends a digest as the tag. */
function pullReference(ctx: Context): Reference {
  if (ctx.query.string("fromSrc") !== undefined) throw new ApiError(501, "berthd does not implement image import (fromSrc) yet");
  const fromImage = ctx.query.string("fromImage");
  if (!fromImage) throw new ApiError(400, "fromImage is required: POST /images/create?fromImage=NAME[&tag=TAG]");
  const tag = ctx.query.string("tag");
  const reference = parseReference(tag ? `${fromImage}${tag.startsWith("sha256:") ? "@" : ":"}${tag}` : fromImage);
  // No tag at all means every tag to dockerd; berth pulls one, latest.
  return reference.tag || reference.digest ? reference : { ...reference, tag: "latest" };
}

/**
 * Pulls with Docker's JSON progress stream. Errors found before the first message (no such manifest, access
 * denied, no matching platform) are the answer's status; later ones end the stream (see progressStream).
 * Returns the pulled name, or undefined if the pull failed.
 */
async function pull(ctx: Context, images: ImageStore, registry: RegistryConfig, reference: Reference): Promise<string | undefined> {
  const platform = parsePlatform(ctx.query.string("platform") || `linux/${hostArchitecture()}`);
  const credentials = fromAuthHeader(ctx.req.headers["x-registry-auth"] as string | undefined);
  const signal = cancelledWithClient(ctx);
  const resolved = await resolveImage({ reference, platform, credentials, config: registry, signal }).catch(asApiError);
  const pulled = await progressStream(ctx, (send) => fetchImage(resolved, images, send, signal));
  return pulled ? pulledName(reference) : undefined;
}

/** `POST /images/{name}/push?tag=`: the image must exist here before the stream starts. Returns the pushed name, or undefined. */
async function push(ctx: Context, images: ImageStore, registry: RegistryConfig): Promise<string | undefined> {
  const tag = ctx.query.string("tag");
  const reference = parseReference(tag ? `${ctx.params.name!}:${tag}` : ctx.params.name!);
  const record = imageToPush(images, reference);
  const credentials = fromAuthHeader(ctx.req.headers["x-registry-auth"] as string | undefined);
  const signal = cancelledWithClient(ctx);
  const pushed = await progressStream(ctx, (send) => pushImage(record, images, { reference, credentials, config: registry, signal }, send));
  return pushed ? pulledName(reference) : undefined;
}

/** A transfer stops when its client goes away. */
function cancelledWithClient(ctx: Context): AbortSignal {
  const abort = new AbortController();
  ctx.res.on("close", () => abort.abort(new Error("the client went away")));
  return abort.signal;
}

function asApiError(err: unknown): never {
  if (err instanceof RegistryError) throw new ApiError(err.status, err.message);
  throw err;
}

/** Answers 200 with one JSON message a line; a failure midway is the last message, {errorDetail, error}, as dockerd sends it. */
async function progressStream(ctx: Context, work: (send: ProgressSink) => Promise<unknown>): Promise<boolean> {
  ctx.res.writeHead(200, { "Content-Type": "application/json" });
  const send = (message: ProgressMessage | { errorDetail: { message: string }; error: string }) => ctx.res.write(`${JSON.stringify(message)}\r\n`);
  try {
    await work(send);
    return true;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    send({ errorDetail: { message }, error: message });
    return false;
  } finally {
    ctx.res.end();
  }
}

async function list(ctx: Context, images: ImageStore): Promise<void> {
  const filters = ctx.query.filters(LIST_FILTERS);
  const dangling = filters.values("dangling");
  const references = filters.values("reference");
  const summaries = (await images.list()).filter(
    (image) =>
      filters.labels("label", image.Labels) &&
      (dangling.length === 0 || dangling.includes(String(image.RepoTags.length === 0))) &&
      (references.length === 0 || image.RepoTags.some((tag) => references.some((ref) => referenceMatches(ref, tag)))),
  );
  ctx.json(summaries);
}

/** `docker image prune`'s filters: dangling (default true), label and label! on the image's labels, until (Unix seconds). */
function pruneOptions(ctx: Context): Parameters<ImageStore["prune"]>[0] {
  const filters = ctx.query.filters(["dangling", "label", "label!", "until"]);
  const dangling = filters.values("dangling");
  if (dangling.some((v) => !["true", "false", "1", "0"].includes(v))) throw new ApiError(400, `invalid filter 'dangling=${dangling.join(",")}': expected true or false`);
  const until = filters.values("until").map((v) => parseTimestamp("until", v)!);
  return {
    all: dangling.some((v) => v === "false" || v === "0"),
    selected: (config) => {
      const labels = config.config?.Labels ?? {};
      const created = BigInt(Date.parse(config.created ?? "") || 0) * 1_000_000n;
      return filters.labels("label", labels) && filters.lacksLabels("label!", labels) && until.every((u) => created <= u);
    },
  };
}

/** Docker's reference filter: `busybox` matches every busybox tag, `busybox:1.*` is a glob on name and tag. */
function referenceMatches(pattern: string, tag: string): boolean {
  const glob = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "[^/]")}$`);
  return glob.test(tag) || glob.test(tag.slice(0, tag.lastIndexOf(":")));
}

async function save(ctx: Context, images: ImageStore, refs: string[]): Promise<void> {
  for (const ref of refs) images.get(ref); // a missing image is a 404 before the stream starts
  ctx.res.writeHead(200, { "Content-Type": "application/x-tar" });
  await images.save(refs, ctx.res);
  ctx.res.end();
}
