// POST /auth (SystemAuth): checks a registry login for `docker login`, without storing anything; the client keeps
// the credentials and sends them with each pull and push.
import { RegistryError } from "../../runtime/image/registry/client.js";
import type { RegistryConfig } from "../../runtime/image/registry/hosts.js";
import { checkLogin } from "../../runtime/image/registry/login.js";
import { ApiError } from "../errors.js";
import { route, type Route } from "../router.js";
import { mapped } from "./errors.js";

interface AuthConfig {
  username?: string;
  password?: string;
  serveraddress?: string;
}

export function authRoutes(registry: RegistryConfig): Route[] {
  return [
    route(
      "POST",
      "/auth",
      mapped(async (ctx) => {
        const body = await ctx.body<AuthConfig>();
        if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ApiError(400, "a login needs a JSON body: {username, password, serveraddress}");
        const text = (key: keyof AuthConfig) => (typeof body[key] === "string" ? body[key] : undefined);
        try {
          await checkLogin(text("serveraddress"), { username: text("username"), password: text("password") }, registry);
        } catch (err) {
          if (err instanceof RegistryError) throw new ApiError(err.status, err.message);
          throw err;
        }
        ctx.json({ Status: "Login Succeeded", IdentityToken: "" });
      }),
    ),
  ];
}
