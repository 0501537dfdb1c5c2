// `berth image ls|load|pull|push|save|rm|inspect`: the engine's local images, as `docker image` shows them.
import { createReadStream, createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import type Docker from "dockerode";
import { UserError } from "../compose/errors.js";
import { engine } from "../engine/client.js";
import { follow } from "../orchestrate/engine-stream.js";
import { repoAndTag } from "../orchestrate/pull.js";
import { registryAuth } from "../orchestrate/registry-auth.js";
import type { GlobalOptions } from "./options.js";
import { lines } from "./output.js";

/** The engine's answer to a failed request, as the user's error (dockerode puts Docker's JSON message on `json`). */
async function engineCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const message = (err as { json?: { message?: string } }).json?.message;
    if (message) throw new UserError(`Error response from daemon: ${message}`);
    throw err;
  }
}

/** dockerode has getImages (GET /images/get?names=...), which @types/dockerode does not declare. */
type WithGetImages = Docker & { getImages(options: { names: string[] }): Promise<NodeJS.ReadableStream> };

const client = (globals: GlobalOptions) => engine({ host: globals.host });
const shortId = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

export async function imageList(globals: GlobalOptions, options: { quiet?: boolean }): Promise<void> {
  const images = await engineCall(async () => (await client(globals)).listImages());
  if (options.quiet) return void process.stdout.write(lines(images.map((image) => shortId(image.Id))));
  const rows = images.flatMap((image) =>
    (image.RepoTags?.length ? image.RepoTags : ["<none>:<none>"]).map((tag) => {
      const colon = tag.lastIndexOf(":");
      return [tag.slice(0, colon), tag.slice(colon + 1), shortId(image.Id), new Date(image.Created * 1000).toISOString(), formatSize(image.Size)];
    }),
  );
  process.stdout.write(table([["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], ...rows]));
}

export async function imageLoad(globals: GlobalOptions, options: { input?: string }): Promise<void> {
  const docker = await client(globals);
  const archive = options.input ? createReadStream(options.input) : process.stdin;
  const answer = await engineCall(() => docker.loadImage(archive, { quiet: true }));
  await follow(answer, (message) => message.stream && process.stdout.write(message.stream));
}

/** Progress steps worth a line of their own on a plain terminal or log: not the byte counts. */
const LAYER_STEPS = new Set(["Already exists", "Download complete", "Pull complete", "Layer already exists", "Pushed"]);

/** A streaming call (pull, push): dockerode leaves `json` empty on its errors and puts the daemon's message in its own. */
async function streamingCall(call: () => Promise<unknown>): Promise<AsyncIterable<Buffer>> {
  return engineCall(async () => {
    try {
      return (await call()) as AsyncIterable<Buffer>;
    } catch (err) {
      const message = /^\(HTTP code \d+\) [^-]* - (.*) $/s.exec((err as Error).message)?.[1];
      throw message !== undefined && (err as { statusCode?: number }).statusCode ? Object.assign(err as Error, { json: { message } }) : err;
    }
  });
}

/** Prints a pull or push progress stream a line per step (nothing with `quiet`); its error message, if any, is the user's error. */
async function followProgress(answer: AsyncIterable<Buffer>, quiet?: boolean): Promise<void> {
  await follow(answer, (message) => {
    if (quiet || !message.status) return;
    if (message.id === undefined) process.stdout.write(`${message.status}\n`);
    else if (LAYER_STEPS.has(message.status) || message.status.startsWith("Pulling from ")) process.stdout.write(`${message.id}: ${message.status}\n`);
  });
}

export async function imagePull(globals: GlobalOptions, name: string, options: { platform?: string; quiet?: boolean }): Promise<void> {
  const docker = await client(globals);
  const auth = await registryAuth(name);
  await followProgress(await streamingCall(() => docker.pull(name, { ...(options.platform && { platform: options.platform }), ...auth })), options.quiet);
  if (options.quiet) process.stdout.write(`${name}\n`);
}

export async function imagePush(globals: GlobalOptions, name: string, options: { quiet?: boolean }): Promise<void> {
  const docker = await client(globals);
  const [repo, tag] = repoAndTag(name);
  const auth = await registryAuth(name);
  await followProgress(await streamingCall(() => docker.getImage(repo).push({ tag, ...auth })), options.quiet);
  if (options.quiet) process.stdout.write(`${repo}:${tag}\n`);
}

export async function imageSave(globals: GlobalOptions, names: string[], options: { output?: string }): Promise<void> {
  if (!options.output && process.stdout.isTTY) throw new UserError("refusing to write an image archive to a terminal: use -o FILE or redirect the output");
  const docker = await client(globals);
  const archive = await engineCall(() => (docker as WithGetImages).getImages({ names }));
  await pipeline(archive, options.output ? createWriteStream(options.output) : process.stdout);
}

export async function imageRemove(globals: GlobalOptions, names: string[], options: { force?: boolean }): Promise<void> {
  const docker = await client(globals);
  for (const name of names) {
    const removed = await engineCall(() => docker.getImage(name).remove({ force: options.force }) as Promise<{ Untagged?: string; Deleted?: string }[]>);
    process.stdout.write(lines(removed.map((r) => (r.Untagged ? `Untagged: ${r.Untagged}` : `Deleted: ${r.Deleted}`))));
  }
}

export async function imageInspect(globals: GlobalOptions, names: string[]): Promise<void> {
  const docker = await client(globals);
  const inspected: Docker.ImageInspectInfo[] = [];
  for (const name of names) inspected.push(await engineCall(() => docker.getImage(name).inspect()));
  process.stdout.write(JSON.stringify(inspected, null, 4) + "\n");
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return lines(rows.map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("   ").trimEnd()));
}

function formatSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB"];
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < units.length - 1) [size, unit] = [size / 1000, unit + 1];
  return `${size.toFixed(unit === 0 ? 0 : 1)}${units[unit]}`;
}
