// The engine's JSON streams (pulls, pushes, loads, builds): one message a line, and the error the engine meets
// midway as a message of its own, which becomes the user's error.
import { UserError } from "../compose/errors.js";

/** One message of such a stream (POST /images/create, /images/{name}/push, /images/load, /build). */
export interface StreamMessage {
  status?: string;
  /** a layer's short digest; on "Pulling from" the tag */
  id?: string;
  progressDetail?: { current?: number; total?: number };
  /** the text of a load ("Loaded image: …") or a build step */
  stream?: string;
  error?: string;
}

/** Reads a progress stream to its end, handing on each message; the error the engine reports midway is thrown. */
export async function follow(stream: NodeJS.ReadableStream | AsyncIterable<Buffer>, each: (message: StreamMessage) => void): Promise<void> {
  const handle = (line: string) => {
    if (line.trim() === "") return;
    const message = JSON.parse(line) as StreamMessage;
    if (message.error) throw new UserError(message.error);
    each(message);
  };
  let rest = "";
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const lines = (rest + chunk.toString()).split(/\r?\n/);
    rest = lines.pop()!;
    lines.forEach(handle);
  }
  handle(rest); // a last message without its newline
}
