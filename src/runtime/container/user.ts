// Docker's `User` ("name", "uid", "name:group", "uid:gid") resolved through the image's /etc/passwd and
// /etc/group, as the container will see them: the container's upper dir first, then the layers top down.
import { lstatSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { invalid } from "./errors.js";

export interface Identity {
  uid: number;
  gid: number;
  /** Supplementary groups: the user's memberships in /etc/group, then GroupAdd. */
  groups: number[];
  /** From /etc/passwd; "/" when the user has no entry, as in Docker. */
  home: string;
}

interface Entry {
  name: string;
  id: number;
  /** passwd: primary gid; group: unused */
  gid: number;
  home: string;
  members: string[];
}

const NUMERIC = /^\d+$/;

/**
 * Reads `etc/<file>` from the first of `dirs` that has one. Only plain files under a plain `etc` count:
 * a symlink there could point at the host's own files. Synchronous: a few small files, read in microseconds,
 * where the threadpool's round trips cost a start ~1 ms.
 */
function readEtcFile(dirs: string[], file: string): string | undefined {
  for (const dir of dirs) {
    const etc = lstatSync(join(dir, "etc"), { throwIfNoEntry: false });
    if (!etc) continue;
    if (!etc.isDirectory()) return undefined;
    const stat = lstatSync(join(dir, "etc", file), { throwIfNoEntry: false });
    if (!stat) continue;
    return stat.isFile() ? readFileSync(join(dir, "etc", file), "utf8") : undefined;
  }
  return undefined;
}

function parsePasswd(text: string): Entry[] {
  return text.split("\n").flatMap((line) => {
    const f = line.split(":");
    if (f.length < 7 || !NUMERIC.test(f[2]!) || !NUMERIC.test(f[3]!)) return [];
    return [{ name: f[0]!, id: Number(f[2]), gid: Number(f[3]), home: f[5]!, members: [] }];
  });
}

function parseGroup(text: string): Entry[] {
  return text.split("\n").flatMap((line) => {
    const f = line.split(":");
    if (f.length < 4 || !NUMERIC.test(f[2]!)) return [];
    return [{ name: f[0]!, id: Number(f[2]), gid: 0, home: "", members: f[3]!.split(",").filter(Boolean) }];
  });
}

function findGroup(groups: Entry[], spec: string, user: string): number {
  if (NUMERIC.test(spec)) return Number(spec);
  const group = groups.find((g) => g.name === spec);
  if (!group) throw invalid(`unable to find group ${spec}: no matching entries in group file${user ? ` (for user ${user})` : ""}`);
  return group.id;
}

/** `dirs`: the container's upper dir, then its image layers topmost first. */
export async function resolveIdentity(user: string, groupAdd: string[], dirs: string[]): Promise<Identity> {
  const [userPart = "", groupPart] = user.split(":", 2);
  const users = parsePasswd(readEtcFile(dirs, "passwd") ?? "");
  const groups = parseGroup(readEtcFile(dirs, "group") ?? "");
  const name = userPart === "" ? "root" : userPart;
  let entry = NUMERIC.test(name) ? users.find((u) => u.id === Number(name)) : users.find((u) => u.name === name);
  if (!entry) {
    if (!NUMERIC.test(name) && name !== "root") throw invalid(`unable to find user ${name}: no matching entries in passwd file`);
    entry = { name: "", id: NUMERIC.test(name) ? Number(name) : 0, gid: 0, home: "/", members: [] };
  }
  const gid = groupPart !== undefined && groupPart !== "" ? findGroup(groups, groupPart, name) : entry.gid;
  const memberships = entry.name === "" ? [] : groups.filter((g) => g.members.includes(entry.name)).map((g) => g.id);
  const added = groupAdd.map((g) => findGroup(groups, g, ""));
  return { uid: entry.id, gid, groups: [...new Set([...memberships, ...added])], home: entry.home || "/" };
}
