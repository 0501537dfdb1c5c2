// `POST /build`: the classic builder API (what `DOCKER_BUILDKIT=0 docker build` and dockerode's buildImage send).
// The body is the context as a tar; the answer streams {stream} lines ("Step 1/5 : FROM ...") and a base image
// pull's progress messages, then {aux: {ID}}, or {errorDetail, error} when the build fails.
import { rmSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { createGunzip } from "node:zlib";
import { BuildCache } from "../../runtime/build/cache.js";
import { Builder, type BuildServices } from "../../runtime/build/builder.js";
import { shortId } from "../../runtime/image/digest.js";
import { fromConfigHeader } from "../../runtime/image/registry/credentials.js";
import { normalizeTag } from "../../runtime/image/reference.js";
import { unpackLayer } from "../../runtime/image/unpack.js";
import { ApiError } from "../errors.js";
import type { EventBus } from "../events.js";
import { route, type Context, type Route } from "../router.js";
import { mapped } from "./errors.js";

export interface BuildRouteOptions extends Omit<BuildServices, "cache"> {
  /** Where contexts are unpacked and the build cache lives. */
  dir: string;
  bus: EventBus;
}

export function buildRoutes(options: BuildRouteOptions): Route[] {
  const cache = new BuildCache(join(options.dir, "cache.json"));
  // Contexts of builds a crash interrupted.
  rmSync(join(options.dir, "contexts"), { recursive: true, force: true });
  return [
    route("POST", "/build", mapped((ctx) => build(ctx, { ...options, cache }))),
  ];
}

async function build(ctx: Context, options: BuildRouteOptions & { cache: BuildCache }): Promise<void> {
  const params = new URLSearchParams(ctx.req.url?.split("?")[1] ?? "");
  if (ctx.query.string("version") === "2") throw new ApiError(501, "berthd has no BuildKit: build with DOCKER_BUILDKIT=0 (the classic builder)");
  if (ctx.query.string("remote")) throw new ApiError(501, "berthd builds only from a context sent with the request, not from a remote URL or git repository");
  const tags = params.getAll("t").filter((t) => t !== "").map((t) => {
    try {
      return normalizeTag(t);
    } catch (err) {
      throw new ApiError(400, `invalid tag "${t}": ${(err as Error).message}`);
    }
  });
  const request = {
    dockerfile: ctx.query.string("dockerfile") || "Dockerfile",
    tags,
    buildArgs: jsonMap(ctx.query.string("buildargs"), "buildargs"),
    labels: jsonMap(ctx.query.string("labels"), "labels"),
    target: ctx.query.string("target") || undefined,
    noCache: ctx.query.bool("nocache"),
    remove: ctx.query.bool("rm", true) || ctx.query.bool("forcerm"),
    forceRemove: ctx.query.bool("forcerm"),
    pull: ctx.query.bool("pull"),
    credentials: fromConfigHeader(ctx.req.headers["x-registry-config"] as string | undefined),
  };
  const quiet = ctx.query.bool("q");
  await mkdir(join(options.dir, "contexts"), { recursive: true, mode: 0o700 });
  const context = await mkdtemp(join(options.dir, "contexts", "context-"));
  try {
    const gzipped = ctx.req.headers["content-type"] === "application/x-gzip" || ctx.req.headers["content-encoding"] === "gzip";
    await unpackLayer(gzipped ? ctx.req.pipe(createGunzip()) : ctx.req, context, "build context").catch((err: Error) => {
      throw new ApiError(400, `the build context is not a valid tar archive: ${err.message}`);
    });
    ctx.res.writeHead(200, { "Content-Type": "application/json" });
    const send = (message: object) => ctx.res.write(`${JSON.stringify(message)}\r\n`);
    const out = (text: string) => {
      if (!quiet) send({ stream: text });
    };
    const progress = (message: object) => {
      if (!quiet) send(message);
    };
    try {
      const abort = new AbortController();
      ctx.res.on("close", () => abort.abort(new Error("the client went away")));
      const id = await new Builder(options, { ...request, context }, out, progress, abort.signal).build();
      for (const tag of tags) {
        const [repo, tagName] = [tag.slice(0, tag.lastIndexOf(":")), tag.slice(tag.lastIndexOf(":") + 1)];
        await options.images.tag(id, repo, tagName);
        options.bus.emit("image", "tag", { ID: id, Attributes: { name: tag } });
      }
      send({ aux: { ID: id } });
      out(`Successfully built ${shortId(id)}\n`);
      for (const tag of tags) out(`Successfully tagged ${tag}\n`);
      if (quiet) send({ stream: `${id}\n` });
    } catch (err) {
      const message = (err as Error).message;
      send({ errorDetail: { message }, error: message });
    } finally {
      ctx.res.end();
    }
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

function jsonMap(text: string | undefined, name: string): Record<string, string> {
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, `${name} must be a JSON object of strings: ${text}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ApiError(400, `${name} must be a JSON object of strings: ${text}`);
  // A build arg given without a value (--build-arg NAME, unset in the client's environment) is null: not given.
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
}
