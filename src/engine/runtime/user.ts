// Resolves a container's `User` (`name`, `uid`, `uid:gid`, `name:group`, ...) against the container's
// own /etc/passwd and /etc/group, as Docker and runc do, with the same error messages.
// Invariant: the files are read through resolveInRoot, so a symlinked /etc/passwd cannot make the engine
// read a host file.
import { readFile } from 'node:fs/promises';
import { BerthError } from '../../shared/errors.js';
import { resolveInRoot } from './root-path.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** Supplementary groups: those of /etc/group that list the user, when no group was given. */
  additionalGids: number[];
  /** The home directory from /etc/passwd, `/` when unknown (Docker sets HOME from it). */
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** Resolves `userSpec` (empty means root) in the rootfs at `rootfsPath`. */
export async function resolveUser(rootfsPath: string, userSpec: string): Promise<ResolvedUser> {
  const [userPart = '', groupPart] = splitOnce(userSpec.trim(), ':');
  const passwd = parsePasswd(await readRootFile(rootfsPath, '/etc/passwd'));

  const result: ResolvedUser = { uid: 0, gid: 0, additionalGids: [], home: '/' };
  let matchedName: string | undefined;

  const userValue = userPart === '' ? '0' : userPart;
  const numericUid = parseId(userValue);
  const byName = passwd.find((entry) => entry.name === userValue);
  const entry = byName ?? (numericUid === undefined ? undefined : passwd.find((e) => e.uid === numericUid));
  if (entry !== undefined) {
    result.uid = entry.uid;
    result.gid = entry.gid;
    result.home = entry.home;
    matchedName = entry.name;
  } else if (numericUid !== undefined) {
    result.uid = numericUid;
  } else {
    throw new BerthError(
      'InvalidArgument',
      `unable to find user ${userValue}: no matching entries in passwd file`,
    );
  }

  if (groupPart === undefined && matchedName === undefined) return result;
  const groups = parseGroup(await readRootFile(rootfsPath, '/etc/group'));

  if (groupPart !== undefined && groupPart !== '') {
    const numericGid = parseId(groupPart);
    const group = groups.find((g) => g.name === groupPart) ?? groups.find((g) => g.gid === numericGid);
    if (group !== undefined) result.gid = group.gid;
    else if (numericGid !== undefined) result.gid = numericGid;
    else
      throw new BerthError(
        'InvalidArgument',
        `unable to find group ${groupPart}: no matching entries in group file`,
      );
  } else if (matchedName !== undefined) {
    const name = matchedName;
    result.additionalGids = groups.filter((g) => g.members.includes(name)).map((g) => g.gid);
  }
  return result;
}

/** A file of the rootfs, or '' when it does not exist (an image without /etc/passwd is legal). */
async function readRootFile(rootfsPath: string, path: string): Promise<string> {
  const hostPath = await resolveInRoot(rootfsPath, path);
  try {
    return await readFile(hostPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw new BerthError('Internal', `cannot read ${path} of the container`, { cause: error });
  }
}

export function parsePasswd(text: string): PasswdEntry[] {
  const entries: PasswdEntry[] = [];
  for (const fields of colonLines(text)) {
    const uid = parseId(fields[2] ?? '');
    const gid = parseId(fields[3] ?? '');
    if (fields[0] === undefined || uid === undefined || gid === undefined) continue;
    entries.push({ name: fields[0], uid, gid, home: fields[5] || '/' });
  }
  return entries;
}

export function parseGroup(text: string): GroupEntry[] {
  const entries: GroupEntry[] = [];
  for (const fields of colonLines(text)) {
    const gid = parseId(fields[2] ?? '');
    if (fields[0] === undefined || gid === undefined) continue;
    const members = (fields[3] ?? '').split(',').filter((member) => member !== '');
    entries.push({ name: fields[0], gid, members });
  }
  return entries;
}

function colonLines(text: string): string[][] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(':'));
}

function parseId(value: string): number | undefined {
  return /^\d+$/.test(value) ? Number(value) : undefined;
}

function splitOnce(value: string, separator: string): [string, string?] {
  const index = value.indexOf(separator);
  return index < 0 ? [value] : [value.slice(0, index), value.slice(index + 1)];
}
