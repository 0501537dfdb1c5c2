// `berth login [SERVER]` and `berth logout [SERVER]`, as `docker login`/`docker logout`: the engine checks the
// credentials against the registry (POST /auth), and they are kept in the Docker CLI's config.json as
// `auths[SERVER].auth` = base64(user:password), where pulls and pushes find them.
import { mkdir, realpath } from "node:fs/promises";
import { dirname } from "node:path";
import { text } from "node:stream/consumers";
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { DOCKER_HUB_KEY, dockerConfigFile, fromDockerConfig, hostOf, readDockerConfig, type DockerConfig } from "../runtime/image/registry/credentials.js";
import { loginDomain } from "../runtime/image/registry/login.js";
import { writeFileAtomic } from "../state/atomic.js";
import { ExitStatus } from "./exit-status.js";
import type { GlobalOptions } from "./options.js";

export interface LoginOptions {
  username?: string;
  password?: string;
  passwordStdin?: boolean;
}

/** The config.json key for SERVER: Docker Hub's URL by default, else the host[:port] of what was given. */
const serverKey = (server: string | undefined) => (!server || server === "docker.io" || server === DOCKER_HUB_KEY ? DOCKER_HUB_KEY : hostOf(server));

export async function loginCommand(globals: GlobalOptions, server: string | undefined, options: LoginOptions): Promise<void> {
  let { username, password } = options;
  if (password !== undefined) {
    process.stderr.write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
    if (options.passwordStdin) throw new UserError("conflicting options: cannot specify both --password and --password-stdin");
  }
  if (options.passwordStdin) {
    if (!username) throw new UserError("the --password-stdin option requires --username to be set");
    password = (await text(process.stdin)).replace(/\n$/, "").replace(/\r$/, "");
  }
  const key = serverKey(server);
  // The engine is only asked (and berthd only started) once there is something to check.
  let docker: Docker | undefined;
  const client = async () => (docker ??= await engine({ host: globals.host }));
  // As docker login: with neither username nor password given, the stored credentials are tried first.
  const stored = !username && password === undefined ? await fromDockerConfig(loginDomain(key)) : undefined;
  if (stored?.username && stored.password) {
    process.stderr.write(`Authenticating with existing credentials... [Username: ${stored.username}]\n`);
    const refused = await refusal(await client(), stored.username, stored.password, key);
    if (refused === undefined) return void process.stdout.write("Login Succeeded\n");
    process.stderr.write(refused.status === 401 ? "Stored credentials invalid or expired\n" : `Login did not succeed, error: ${refused.message}\n`);
  }
  if (!username || !password) {
    if (!process.stdin.isTTY) {
      throw new UserError("Error: Cannot perform an interactive login from a non TTY device (give --username, and the password with --password-stdin)");
    }
    const terminal = new TerminalInput();
    try {
      const known = stored?.username;
      username ||= (await terminal.line(known ? `Username (${known}): ` : "Username: ", true)).trim() || known;
      if (!username) throw new UserError("Error: Non-null Username Required");
      password ||= await terminal.line("Password: ", false);
      if (!password) throw new UserError("Error: Password Required");
    } finally {
      terminal.close();
    }
  }
  const refused = await refusal(await client(), username, password, key);
  if (refused) throw new UserError(refused.message);
  const path = dockerConfigFile();
  const config = await readDockerConfig(path);
  config.auths = { ...config.auths, [key]: { auth: Buffer.from(`${username}:${password}`).toString("base64") } };
  await writeConfig(path, config);
  process.stderr.write(`\nWARNING! Your credentials are stored unencrypted in '${path}'.\n\n`);
  process.stdout.write("Login Succeeded\n");
}

/** The engine's answer when the registry refuses the login (POST /auth), as the user sees it; undefined when it accepts. */
async function refusal(docker: Docker, username: string, password: string, serveraddress: string): Promise<{ status: number; message: string } | undefined> {
  try {
    await docker.checkAuth({ username, password, serveraddress });
    return undefined;
  } catch (err) {
    const { json, statusCode } = err as { json?: { message?: string }; statusCode?: number };
    if (json?.message && statusCode) return { status: statusCode, message: `Error response from daemon: ${json.message}` };
    throw err;
  }
}

export async function logoutCommand(server: string | undefined): Promise<void> {
  const key = serverKey(server);
  // Keys older docker versions wrote for the same registry go too.
  const keys = key === DOCKER_HUB_KEY ? [key] : [server!, key, `http://${key}`, `https://${key}`];
  const path = dockerConfigFile();
  const config = await readDockerConfig(path);
  const auths = { ...config.auths };
  if (!keys.some((k) => k in auths)) return void process.stdout.write(`Not logged in to ${key}\n`);
  process.stdout.write(`Removing login credentials for ${key}\n`);
  for (const k of keys) delete auths[k];
  await writeConfig(path, { ...config, auths });
}

/**
 * Replaces the file in one rename, so that a reader never sees half of it; mode 0600 (it holds passwords) in a
 * directory made 0700. A config.json that is a symlink is written where it points, as docker does.
 */
async function writeConfig(path: string, config: DockerConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(await realpath(path).catch(() => path), `${JSON.stringify(config, null, "\t")}\n`, 0o600);
}

/**
 * Lines typed on the terminal, read in raw mode so that a password is not echoed; what was typed ahead of a
 * prompt is kept for it. Ctrl-C ends the command (status 130), Ctrl-D an empty line.
 */
class TerminalInput {
  #pending = "";

  constructor() {
    process.stdin.setRawMode(true);
  }

  async line(prompt: string, echo: boolean): Promise<string> {
    process.stdout.write(prompt);
    let line = "";
    for (;;) {
      if (this.#pending === "") this.#pending = await this.#read();
      const ch = this.#pending[0]!;
      this.#pending = this.#pending.slice(1);
      if (ch === "\r" || ch === "\n" || (ch === "\u0004" && line === "")) break;
      if (ch === "\u0003") {
        process.stdout.write("\n");
        throw new ExitStatus(130);
      }
      if (ch === "\u007f" || ch === "\b") {
        if (line !== "" && echo) process.stdout.write("\b \b");
        line = line.slice(0, -1);
      } else if (ch >= " ") {
        line += ch;
        if (echo) process.stdout.write(ch);
      }
    }
    process.stdout.write("\n");
    return line;
  }

  close(): void {
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }

  #read(): Promise<string> {
    return new Promise((resolve) => {
      process.stdin.once("data", (chunk: Buffer) => {
        process.stdin.pause();
        resolve(chunk.toString("utf8"));
      });
      process.stdin.resume();
    });
  }
}
