// `logs -f`: the output of the project's containers as it comes, and of containers that start after it began (a
// later `up --scale`, a recreate's replacement), as docker compose logs -f follows them: the engine's events for
// the project's containers say what was created and what started. It ends once no followed container runs and
// none created since it began is still to start.
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type Docker from "dockerode";
import { LABEL, projectFilter } from "../plan/labels.js";
import { engineCall, tolerating } from "./engine-call.js";
import { containerLines, type LogLineOptions } from "./log-lines.js";

export interface FollowedContainer {
  id: string;
  service: string;
  number: number;
}

export interface FollowRequest {
  docker: Docker;
  project: string;
  /** the project's containers when it begins: their logs as `lineOptions` ask (a stopped one's ends at once) */
  containers: FollowedContainer[];
  /** Unix seconds from before `containers` were listed: what happened since then is not missed */
  listedAfter: number;
  lineOptions: LogLineOptions;
  /** whether a container that appears later is followed: the named services, --index */
  wanted: (c: FollowedContainer) => boolean;
  /** called for each line of each followed container */
  line: (c: FollowedContainer, text: string) => void;
}

interface ContainerEvent {
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  timeNano: number;
}

export async function followLogs(request: FollowRequest): Promise<void> {
  const { docker } = request;
  // the engine replays the events since the containers were listed: one started meanwhile is not missed
  const filters = { type: ["container" as const], event: ["create", "start", "destroy"], label: [projectFilter(request.project), `${LABEL.oneoff}=False`] };
  const events = (await engineCall(() => docker.getEvents({ since: request.listedAfter, filters }))) as Readable;
  /** ids whose log stream is open */
  const showing = new Set<string>();
  /** ids whose output was shown: one that starts again shows only what it writes from then on */
  const shown = new Set<string>();
  /** created since this began and not started yet: a recreate's replacement keeps this going while the old one stops */
  const pending = new Set<string>();
  let resolveDone!: () => void;
  let rejectDone!: (err: unknown) => void;
  const done = new Promise<void>((resolve, reject) => ((resolveDone = resolve), (rejectDone = reject)));
  const settle = () => void (showing.size === 0 && pending.size === 0 && resolveDone());
  const follow = (c: FollowedContainer, options: LogLineOptions) => {
    pending.delete(c.id);
    if (showing.has(c.id)) return;
    shown.add(c.id);
    showing.add(c.id);
    // 404: a container removed before its log was read has nothing more to show
    engineCall(() => tolerating([404], () => containerLines(docker, c.id, options, (text) => request.line(c, text)))).then(() => {
      showing.delete(c.id);
      settle();
    }, rejectDone);
  };

  for (const c of request.containers) follow(c, request.lineOptions);
  const reading = (async () => {
    for await (const text of createInterface({ input: events })) {
      if (!text.trim()) continue;
      const event = JSON.parse(text) as ContainerEvent;
      const labels = event.Actor.Attributes;
      const c = { id: event.Actor.ID, service: labels[LABEL.service] ?? "", number: Number(labels[LABEL.number] ?? 0) };
      if (!request.wanted(c)) continue;
      if (event.Action === "create") pending.add(c.id);
      else if (event.Action === "start") {
        const since = shown.has(c.id) ? (event.timeNano / 1e9).toFixed(9) : undefined;
        follow(c, { follow: true, timestamps: request.lineOptions.timestamps, ...(since && { since }) });
      } else if (event.Action === "destroy") {
        pending.delete(c.id);
        settle();
      }
    }
  })();
  // once done has settled, a failure (the event stream destroyed below) changes nothing
  engineCall(() => reading).catch(rejectDone);
  settle();
  try {
    await done;
  } finally {
    events.destroy();
  }
}
