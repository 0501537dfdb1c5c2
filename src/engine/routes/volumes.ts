// Volume endpoints of the Docker Engine API: create, list, inspect, remove, prune, with dockerd's shapes and
// status codes (201 created, 204 removed, 400 invalid, 404 missing, 409 in use). PUT /volumes/{name}
// (cluster volumes) stays unimplemented.
import type { CreateRequest, Volume, VolumeStore } from "../../runtime/volume/store.js";
import { ApiError } from "../errors.js";
import type { EventBus } from "../events.js";
import type { Filters } from "../filters.js";
import { route, type Context, type Route } from "../router.js";
import { mapped } from "./errors.js";

const LIST_FILTERS = ["dangling", "driver", "label", "name"] as const;
const PRUNE_FILTERS = ["all", "label", "label!"] as const;

export interface VolumeRouteDeps {
  volumes: VolumeStore;
  bus: EventBus;
}

/** Docker's `Volume` (UsageData is only for GET /system/df, as in dockerd). */
function toApi(v: Volume) {
  return { CreatedAt: v.CreatedAt, Driver: v.Driver, Labels: v.Labels, Mountpoint: v.Mountpoint, Name: v.Name, Options: v.Options, Scope: v.Scope };
}

export function volumeRoutes({ volumes, bus }: VolumeRouteDeps): Route[] {
  const r = (method: string, path: string, handler: (ctx: Context) => void | Promise<void>) => route(method, path, mapped(handler));
  const emit = (action: string, name: string, attributes: Record<string, string> = { driver: "local" }) =>
    bus.emit("volume", action, { ID: name, Attributes: attributes });
  return [
    r("POST", "/volumes/create", async (ctx) => {
      const { volume, created } = await volumes.create(createRequest(await ctx.body<unknown>()));
      if (created) emit("create", volume.Name);
      ctx.json(toApi(volume), 201);
    }),
    r("GET", "/volumes", (ctx) => {
      const filters = ctx.query.filters(LIST_FILTERS);
      const dangling = filters.has("dangling") ? booleanFilter(filters, "dangling") : undefined;
      const list = volumes.list({
        ...(filters.has("name") && { name: filters.values("name") }),
        ...(filters.has("driver") && { driver: filters.values("driver") }),
        label: filters.values("label"),
        ...(dangling !== undefined && { dangling }),
      });
      ctx.json({ Volumes: list.map(toApi), Warnings: [] });
    }),
    r("GET", "/volumes/{name}", (ctx) => ctx.json(toApi(volumes.get(ctx.params.name!)))),
    r("DELETE", "/volumes/{name}", async (ctx) => {
      const name = ctx.params.name!;
      if (await volumes.remove(name, { force: ctx.query.bool("force") })) emit("destroy", name);
      ctx.res.writeHead(204);
      ctx.res.end();
    }),
    r("POST", "/volumes/prune", async (ctx) => {
      const filters = ctx.query.filters(PRUNE_FILTERS);
      const all = filters.has("all") && booleanFilter(filters, "all");
      const report = await volumes.prune({ all, label: filters.values("label"), labelNot: filters.values("label!") });
      for (const name of report.VolumesDeleted) emit("destroy", name);
      emit("prune", "", { reclaimed: String(report.SpaceReclaimed) });
      ctx.json(report);
    }),
  ];
}

/** `true`/`1` or `false`/`0`, as dockerd reads `dangling` and `all`. */
function booleanFilter(filters: Filters, key: string): boolean {
  const values = filters.values(key).map((v) => v.toLowerCase());
  for (const value of values) {
    if (!["true", "1", "false", "0"].includes(value)) throw new ApiError(400, `invalid filter '${key}=${value}': use true, false, 1 or 0`);
  }
  return values.some((v) => v === "true" || v === "1");
}

/** The create body, with its types checked: a wrong one is a 400 naming the field. */
function createRequest(body: unknown): CreateRequest {
  if (body === undefined) return {};
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw new ApiError(400, "invalid volume create request: the body must be a JSON object");
  const { Name, Driver, DriverOpts, Labels } = body as Record<string, unknown>;
  for (const [field, value] of Object.entries({ Name, Driver })) {
    if (value !== undefined && value !== null && typeof value !== "string") throw new ApiError(400, `invalid volume create request: ${field} must be a string`);
  }
  for (const [field, value] of Object.entries({ DriverOpts, Labels })) {
    if (value === undefined || value === null) continue;
    if (typeof value !== "object" || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
      throw new ApiError(400, `invalid volume create request: ${field} must be an object of strings`);
    }
  }
  return {
    ...(typeof Name === "string" && { Name }),
    ...(typeof Driver === "string" && { Driver }),
    ...(DriverOpts != null && { DriverOpts: DriverOpts as Record<string, string> }),
    ...(Labels != null && { Labels: Labels as Record<string, string> }),
  };
}
