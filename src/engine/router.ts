// Docker Engine API routing: an optional /v1.NN prefix, then a table of (method, path pattern) → handler.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { ApiError } from "./errors.js";
import { log } from "./log.js";
import { Query } from "./query.js";

/** What berthd advertises: docker CLI 28.2 speaks 1.50 natively, compose 2.36 needs at least 1.44. */
export const API_VERSION = "1.50";
/** Older clients expect response shapes berthd does not produce. */
export const MIN_API_VERSION = "1.44";

export const MAX_JSON_BODY = 32 * 1024 * 1024;

/** An upgrade request's connection, and its body: the Content-Length bytes sent before the raw stream begins. */
export interface Upgrade {
  readonly socket: Duplex;
  readonly body: Buffer;
}

export interface Context {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Query;
  /** The API version named in the path, or API_VERSION for unversioned paths. */
  readonly version: string;
  /** Present when the client asked for `Connection: Upgrade` (attach, exec start); see `hijack` in stream.ts. */
  readonly upgrade?: Upgrade;
  /** The JSON request body; undefined when the body is empty. */
  body<T>(): Promise<T | undefined>;
  json(value: unknown, status?: number): void;
}

export type Handler = (ctx: Context) => void | Promise<void>;

export interface Route {
  readonly method: string;
  /** `{id}` matches one path segment; `{name*}` also matches slashes (image names such as library/busybox:1.36). */
  readonly path: string;
  readonly handler: Handler;
}

export function route(method: string, path: string, handler: Handler): Route {
  return { method, path, handler };
}

interface CompiledRoute extends Route {
  readonly regex: RegExp;
  readonly names: readonly string[];
}

function compile(r: Route): CompiledRoute {
  const names: string[] = [];
  const source = r.path.replace(/[.+?^$()[\]\\|]/g, "\\$&").replace(/\{(\w+)(\*?)\}/g, (_, name: string, greedy: string) => {
    names.push(name);
    return greedy ? "(.+)" : "([^/]+)";
  });
  return { ...r, regex: new RegExp(`^${source}$`), names };
}

export class Router {
  private readonly routes: readonly CompiledRoute[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map(compile);
  }

  /** Answers one request; never throws, never leaves the client waiting on an error. */
  async dispatch(req: IncomingMessage, res: ServerResponse, upgrade?: Upgrade): Promise<void> {
    try {
      const target = req.url ?? "/";
      const q = target.indexOf("?");
      const { version, path } = splitVersion(q < 0 ? target : target.slice(0, q));
      const method = req.method ?? "GET";
      const candidates = this.routes.filter((r) => r.regex.test(path));
      const found = candidates.find((r) => r.method === method);
      if (!found) {
        if (candidates.length === 0) throw new ApiError(404, `page not found: ${method} ${path}`);
        const allowed = [...new Set(candidates.map((r) => r.method))].join(", ");
        res.setHeader("Allow", allowed);
        throw new ApiError(405, `${method} is not allowed on ${path}; allowed: ${allowed}`);
      }
      await found.handler({
        req,
        res,
        upgrade,
        version,
        params: params(found, path),
        query: new Query(new URLSearchParams(q < 0 ? "" : target.slice(q + 1))),
        body: async () => parseJson(req, upgrade ? upgrade.body : await readBody(req)),
        json: (value, status = 200) => sendJson(res, status, value),
      });
    } catch (err) {
      fail(req, res, err);
    }
  }
}

function splitVersion(path: string): { version: string; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(path);
  if (!m) return { version: API_VERSION, path };
  const version = m[1]!;
  if (compareVersions(version, MIN_API_VERSION) < 0) {
    throw new ApiError(400, `client version ${version} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`);
  }
  if (compareVersions(version, API_VERSION) > 0) {
    throw new ApiError(400, `client version ${version} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  return { version, path: m[2]! };
}

function compareVersions(a: string, b: string): number {
  const [aMajor, aMinor] = a.split(".").map(Number) as [number, number];
  const [bMajor, bMinor] = b.split(".").map(Number) as [number, number];
  return aMajor - bMajor || aMinor - bMinor;
}

function params(r: CompiledRoute, path: string): Record<string, string> {
  const m = r.regex.exec(path)!;
  const out: Record<string, string> = {};
  r.names.forEach((name, i) => {
    try {
      out[name] = decodeURIComponent(m[i + 1]!);
    } catch {
      throw new ApiError(400, `invalid percent-encoding in path parameter ${name}: ${m[i + 1]}`);
    }
  });
  return out;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw new ApiError(413, `request body is larger than ${MAX_JSON_BODY} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function parseJson<T>(req: IncomingMessage, body: Buffer): T | undefined {
  if (body.length === 0) return undefined;
  const type = req.headers["content-type"];
  if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type)) {
    throw new ApiError(400, `unsupported Content-Type header (${type}): must be 'application/json'`);
  }
  try {
    return JSON.parse(body.toString("utf8")) as T;
  } catch (err) {
    throw new ApiError(400, `invalid JSON in request body: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value) + "\n";
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

function fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
  const known = err instanceof ApiError;
  if (!known) log("error", `${req.method} ${req.url}: ${err instanceof Error ? err.stack : String(err)}`);
  if (res.headersSent) {
    // A stream already under way cannot carry a status any more: cut it so the client sees the failure.
    res.destroy();
    return;
  }
  sendJson(res, known ? err.status : 500, { message: err instanceof Error ? err.message : String(err) });
}
