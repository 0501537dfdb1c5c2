// `berth events [SERVICE...]`: the engine's container events for the project, as they happen (docker compose
// events): one line each, or one JSON object each with --json.
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { engine } from "../engine/client.js";
import { engineCall } from "../orchestrate/engine-call.js";
import { LABEL, projectFilter } from "../plan/labels.js";
import type { GlobalOptions } from "./options.js";
import { projectScope } from "./project-scope.js";

interface EngineEvent {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

export async function eventsCommand(globals: GlobalOptions, services: string[], options: { json?: boolean }): Promise<void> {
  const scope = projectScope(globals);
  if (scope.loaded) for (const name of services) scope.loaded.graph.closure([name]);
  const docker = await engine({ host: globals.host });
  const stream = (await engineCall(() => docker.getEvents({ filters: { type: ["container"], label: [projectFilter(scope.name)] } }))) as Readable;
  for await (const line of createInterface({ input: stream })) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as EngineEvent;
    const service = event.Actor.Attributes[LABEL.service] ?? "";
    if (services.length > 0 && !services.includes(service)) continue;
    process.stdout.write(`${options.json ? JSON.stringify(jsonEvent(event, service)) : plainEvent(event)}\n`);
  }
}

/** The event without the labels every container of the project carries (compose shows only the rest). */
function attributes(event: EngineEvent): Record<string, string> {
  return Object.fromEntries(Object.entries(event.Actor.Attributes).filter(([key]) => !key.startsWith("com.docker.compose.")));
}

const time = (event: EngineEvent) => new Date(Math.floor(event.timeNano / 1e6)).toISOString();

function jsonEvent(event: EngineEvent, service: string) {
  return { time: time(event), type: event.Type, action: event.Action, id: event.Actor.ID, service, attributes: attributes(event) };
}

/** `2026-11-30T20:00:00.000Z container start <id> (image=berth/host, name=demo-web-1)` */
function plainEvent(event: EngineEvent): string {
  const attrs = Object.entries(attributes(event)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v}`);
  return `${time(event)} ${event.Type} ${event.Action} ${event.Actor.ID}${attrs.length > 0 ? ` (${attrs.join(", ")})` : ""}`;
}
