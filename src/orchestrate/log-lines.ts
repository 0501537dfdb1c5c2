// A container's log as lines: the engine's stream demultiplexed (8-byte frame headers, unless the container has a
// TTY) and split on newlines, for `logs` and anything else that prefixes each line with its container.
import { PassThrough, Readable } from "node:stream";
import type Docker from "dockerode";

/** Compose's rotation of prefix colours. */
export const COLOURS = [36, 33, 32, 35, 34, 96, 93, 92, 95, 94];

export interface LogLineOptions {
  follow: boolean;
  timestamps?: boolean;
  /** a number of lines, or "all" */
  tail?: string;
  /** Unix seconds, as the engine takes them */
  since?: string;
  until?: string;
}

/** Calls `line` for each line of the container's log; resolves at its end (with follow: once the container stops). */
export async function containerLines(docker: Docker, id: string, options: LogLineOptions, line: (text: string) => void): Promise<void> {
  const container = docker.getContainer(id);
  const { Config } = await container.inspect();
  // without follow, dockerode hands back the whole body as one buffer
  const body: NodeJS.ReadableStream | Buffer = await container.logs({
    follow: options.follow as true,
    stdout: true,
    stderr: true,
    timestamps: options.timestamps ?? false,
    // "all" is the engine's default: no tail parameter (dockerode would send an undefined one as "tail=")
    ...(options.tail !== undefined && options.tail !== "all" && { tail: Number(options.tail) }),
    ...(options.since !== undefined && { since: options.since }),
    ...(options.until !== undefined && { until: options.until }),
  });
  const stream = Buffer.isBuffer(body) ? Readable.from([body]) : body;
  const text = new PassThrough();
  if (Config.Tty) stream.pipe(text);
  else {
    docker.modem.demuxStream(stream, text, text);
    const end = () => void (text.writableEnded || text.end());
    stream.once("end", end);
    stream.once("close", end);
  }
  let partial = "";
  for await (const chunk of text) {
    const lines = (partial + chunk.toString()).split("\n");
    partial = lines.pop()!;
    lines.forEach((l) => line(l.replace(/\r$/, "")));
  }
  if (partial) line(partial);
}

/** `<label>  | ` padded to `width`, coloured by position when `colour`. */
export function linePrefix(label: string, width: number, index: number, colour: boolean): string {
  const text = `${label.padEnd(width)}  |`;
  return colour ? `\x1b[${COLOURS[index % COLOURS.length]}m${text}\x1b[0m ` : `${text} `;
}
