// /networks: create, list, inspect, remove, prune, connect and disconnect, in Docker's NetworkResource shape.
import type { EndpointSettings as EndpointRequest } from "dockerode";
import { invalid } from "../../runtime/image/errors.js";
import { ForbiddenError, type NetworkCreateRequest, type NetworkEvents, type NetworkService } from "../../runtime/network/service.js";
import type { NetworkRecord } from "../../runtime/network/store.js";
import { ApiError } from "../errors.js";
import type { EventBus } from "../events.js";
import type { Filters } from "../filters.js";
import { route, type Context, type Handler, type Route } from "../router.js";
import { mapped } from "./errors.js";

export interface NetworkRouteDeps {
  networks: NetworkService;
  /** Whether a container (running or not) is configured to use the network, so that removal must wait. */
  inUse: (networkId: string) => boolean;
  /** Connect and disconnect; without containers (tests of the network API alone) they answer 501. */
  containers?: NetworkMembers;
}

/** The container service's side of connect and disconnect. */
export interface NetworkMembers {
  connectNetwork(container: string, network: string, request?: EndpointRequest): Promise<void>;
  disconnectNetwork(container: string, network: string): Promise<void>;
}

/** The body of connect and disconnect (disconnect's Force changes nothing here: endpoints never outlive their container). */
interface ConnectBody {
  Container?: string;
  EndpointConfig?: EndpointRequest;
}

async function containerOf(ctx: Context): Promise<ConnectBody & { Container: string }> {
  const body = await ctx.body<ConnectBody>();
  if (!body?.Container) throw invalid(`${ctx.req.method} ${ctx.req.url} needs a JSON body naming the container: {"Container": "NAME"}`);
  return body as ConnectBody & { Container: string };
}

const LIST_FILTERS = ["dangling", "driver", "id", "label", "name", "scope", "type"] as const;
const PRUNE_FILTERS = ["label", "label!", "until"] as const;

export function networkRoutes({ networks, inUse, containers }: NetworkRouteDeps): Route[] {
  const r = (method: string, path: string, handler: Handler) => route(method, path, forbidden(mapped(handler)));
  return [
    r("POST", "/networks/create", async (ctx) => {
      const request = await ctx.body<NetworkCreateRequest>();
      if (!request || typeof request !== "object") throw invalid("network create needs a JSON body such as {\"Name\": \"web\"}");
      const record = await networks.create(request);
      ctx.json({ Id: record.Id, Warning: "" }, 201);
    }),
    r("GET", "/networks", (ctx) => {
      const filters = ctx.query.filters(LIST_FILTERS);
      checkTypeFilter(filters);
      ctx.json(networks.list().filter((n) => matches(networks, n, filters, inUse)).map((n) => resource(networks, n, false)));
    }),
    r("GET", "/networks/{id}", (ctx) => ctx.json(resource(networks, networks.get(ctx.params.id!), true))),
    r("DELETE", "/networks/{id}", async (ctx) => {
      await networks.remove(ctx.params.id!, inUse);
      ctx.res.writeHead(204).end();
    }),
    r("POST", "/networks/prune", async (ctx) => {
      const filters = ctx.query.filters(PRUNE_FILTERS);
      const until = untilFilter(filters);
      const deleted: string[] = [];
      for (const n of networks.list()) {
        if (builtin(n) || networks.endpointsOf(n.Id).length > 0 || inUse(n.Id)) continue;
        if (!filters.labels("label", n.Labels) || excludedByLabel(filters, n.Labels)) continue;
        if (until !== undefined && Date.parse(n.Created) >= until) continue;
        await networks.remove(n.Id, inUse);
        deleted.push(n.Name);
      }
      ctx.json({ NetworksDeleted: deleted });
    }),
    ...(containers ? [
      r("POST", "/networks/{id}/connect", async (ctx) => {
        const body = await containerOf(ctx);
        await containers.connectNetwork(body.Container, ctx.params.id!, body.EndpointConfig ?? undefined);
        ctx.res.writeHead(200).end();
      }),
      r("POST", "/networks/{id}/disconnect", async (ctx) => {
        const body = await containerOf(ctx);
        await containers.disconnectNetwork(body.Container, ctx.params.id!);
        ctx.res.writeHead(200).end();
      }),
    ] : []),
  ];
}

/** The service's events on the engine's bus, with the attributes dockerd gives network events. */
export function networkEvents(bus: EventBus): NetworkEvents {
  return (action, network, attributes) =>
    bus.emit("network", action, { ID: network.Id, Attributes: { name: network.Name, type: network.Driver, ...attributes } });
}

function forbidden(handler: Handler): Handler {
  return async (ctx: Context) => {
    try {
      await handler(ctx);
    } catch (err) {
      throw err instanceof ForbiddenError ? new ApiError(403, err.message) : err;
    }
  };
}

const builtin = (n: NetworkRecord) => n.Options["com.docker.network.bridge.default_bridge"] === "true";

function resource(networks: NetworkService, n: NetworkRecord, withContainers: boolean) {
  const containers: Record<string, unknown> = {};
  if (withContainers) {
    for (const e of networks.endpointsOf(n.Id)) {
      containers[e.ContainerID] = {
        Name: e.Name, EndpointID: e.EndpointID, MacAddress: e.MacAddress, IPv4Address: `${e.IPAddress}/${e.IPPrefixLen}`, IPv6Address: "",
      };
    }
  }
  return {
    Name: n.Name,
    Id: n.Id,
    Created: n.Created,
    Scope: "local",
    Driver: n.Driver,
    EnableIPv4: true,
    EnableIPv6: n.EnableIPv6,
    IPAM: n.IPAM,
    Internal: n.Internal,
    Attachable: n.Attachable,
    Ingress: false,
    ConfigFrom: { Network: "" },
    ConfigOnly: false,
    Containers: containers,
    Options: n.Options,
    Labels: n.Labels,
  };
}

function checkTypeFilter(filters: Filters): void {
  for (const type of filters.values("type")) {
    if (type !== "custom" && type !== "builtin") throw invalid(`invalid filter: 'type'='${type}'; valid types are custom and builtin`);
  }
}

/** dockerd's rules: name is a substring match, id a prefix, driver and scope exact, dangling = no endpoints. */
function matches(networks: NetworkService, n: NetworkRecord, filters: Filters, inUse: (id: string) => boolean): boolean {
  const names = filters.values("name");
  const ids = filters.values("id");
  const dangling = filters.values("dangling");
  const unused = networks.endpointsOf(n.Id).length === 0 && !inUse(n.Id);
  return (
    (names.length === 0 || names.some((name) => n.Name.includes(name))) &&
    (ids.length === 0 || ids.some((id) => n.Id.startsWith(id))) &&
    filters.exact("driver", n.Driver) &&
    filters.exact("scope", "local") &&
    filters.exact("type", builtin(n) ? "builtin" : "custom") &&
    filters.labels("label", n.Labels) &&
    dangling.every((d) => (["true", "1"].includes(d) ? unused && !builtin(n) : !unused || builtin(n)))
  );
}

function excludedByLabel(filters: Filters, labels: Record<string, string>): boolean {
  return filters.values("label!").some((wanted) => {
    const eq = wanted.indexOf("=");
    return eq < 0 ? Object.hasOwn(labels, wanted) : labels[wanted.slice(0, eq)] === wanted.slice(eq + 1);
  });
}

/** `until`: Unix seconds or an RFC 3339 time, as the docker CLI sends it; ms since the epoch. */
function untilFilter(filters: Filters): number | undefined {
  const values = filters.values("until");
  if (values.length === 0) return undefined;
  if (values.length > 1) throw invalid("more than one until filter given; give one");
  const value = values[0]!;
  const ms = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  if (Number.isNaN(ms)) throw invalid(`invalid until filter ${JSON.stringify(value)}: expected Unix seconds or an RFC 3339 time`);
  return ms;
}
