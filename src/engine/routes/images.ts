// Image endpoints of the Docker Engine API for local images: list, inspect, load, save, tag, delete.
// Pull, push, build and history come with the registry and build issue (they answer 501 until then).
import type { ImageStore } from "../../runtime/image/store.js";
import { ApiError } from "../errors.js";
import type { EventBus } from "../events.js";
import { route, type Context, type Route } from "../router.js";
import { mapped } from "./errors.js";

const LIST_FILTERS = ["dangling", "label", "reference"] as const;

export function imageRoutes(images: ImageStore, bus: EventBus): Route[] {
  const r = (method: string, path: string, handler: (ctx: Context) => void | Promise<void>) => route(method, path, mapped(handler));
  const emit = (action: string, id: string, name = id) => bus.emit("image", action, { ID: id, Attributes: { name } });
  return [
    r("GET", "/images/json", (ctx) => list(ctx, images)),
    r("GET", "/images/{name*}/json", async (ctx) => ctx.json(await images.inspect(ctx.params.name!))),
    r("POST", "/images/load", async (ctx) => {
      const loaded = await images.load(ctx.req);
      const lines = loaded.flatMap(({ id, tags }) => {
        for (const tag of tags.length > 0 ? tags : [id]) emit("load", id, tag);
        return tags.length > 0 ? tags.map((tag) => `Loaded image: ${tag}\n`) : [`Loaded image ID: ${id}\n`];
      });
      ctx.res.writeHead(200, { "Content-Type": "application/json" });
      ctx.res.end(lines.map((line) => JSON.stringify({ stream: line }) + "\n").join(""));
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
