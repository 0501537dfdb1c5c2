// Exec endpoints: create, start (hijacked, with or without a TTY, or detached), resize, inspect.
import type { ExecConfig, ExecService } from "../../runtime/container/exec.js";
import { ApiError } from "../errors.js";
import { route, type Context, type Route } from "../router.js";
import { hijack, MULTIPLEXED_STREAM, RAW_STREAM } from "../stream.js";
import { mapped } from "./errors.js";

export function execRoutes(execs: ExecService): Route[] {
  const r = (method: string, path: string, handler: (ctx: Context) => void | Promise<void>) => route(method, path, mapped(handler));
  return [
    r("POST", "/containers/{id}/exec", async (ctx) => {
      const config = (await ctx.body<ExecConfig>()) ?? {};
      ctx.json({ Id: execs.create(ctx.params.id!, config) }, 201);
    }),
    r("POST", "/exec/{id}/start", async (ctx) => {
      const options = (await ctx.body<{ Detach?: boolean; Tty?: boolean }>()) ?? {};
      const exec = execs.get(ctx.params.id!);
      const tty = options.Tty ?? exec.config.Tty ?? false;
      if (options.Detach) {
        await execs.start(exec.id, tty);
        ctx.res.writeHead(200);
        ctx.res.end();
        return;
      }
      await execs.start(exec.id, tty, () => hijack(ctx, tty ? RAW_STREAM : MULTIPLEXED_STREAM));
    }),
    r("POST", "/exec/{id}/resize", async (ctx) => {
      const [rows, cols] = [ctx.query.int("h"), ctx.query.int("w")];
      if (rows === undefined || cols === undefined) throw new ApiError(400, "resize needs both h (rows) and w (columns)");
      await execs.resize(ctx.params.id!, rows, cols);
      ctx.res.writeHead(200);
      ctx.res.end();
    }),
    r("GET", "/exec/{id}/json", (ctx) => ctx.json(execs.inspect(ctx.params.id!))),
  ];
}
