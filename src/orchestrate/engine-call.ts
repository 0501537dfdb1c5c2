// Engine calls whose failures the user should read as the engine's own words, like the docker CLI shows them.
import { UserError } from "../compose/errors.js";

/** dockerode puts the engine's JSON error message on `json` and the HTTP status on `statusCode`; socket errors have a `code`. */
interface EngineError {
  statusCode?: number;
  json?: { message?: string } | null;
  code?: string;
  message?: string;
}

/** The engine is not there, or went away in the middle of a request. */
const UNREACHABLE = ["ECONNREFUSED", "ENOENT", "ECONNRESET", "EPIPE"];

export async function engineCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const { json, code, message, statusCode } = err as EngineError;
    if (json?.message) throw new UserError(`Error response from daemon: ${json.message}`);
    // on streaming endpoints (pull) docker-modem only puts the engine's message into its own text
    const streamed = statusCode !== undefined && /^\(HTTP code \d+\) [^-]* - (.*?) ?$/s.exec(message ?? "")?.[1];
    if (streamed) throw new UserError(`Error response from daemon: ${streamed}`);
    if (code && UNREACHABLE.includes(code)) throw new UserError(`cannot reach the engine (${message}): is it running?`);
    throw err;
  }
}

/** The engine answered with this HTTP status (304: already in that state, 404: no such object). */
export function isStatus(err: unknown, status: number): boolean {
  return (err as EngineError | undefined)?.statusCode === status;
}

/** Runs `call`, treating the given statuses as success (a stop of a stopped container, a removal of a gone one). */
export async function tolerating(statuses: number[], call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (err) {
    if (statuses.some((s) => isStatus(err, s))) return;
    throw err;
  }
}
