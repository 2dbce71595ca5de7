// Host devices a container asks for (`--device /dev/fuse`, `--device /dev/sdb:/dev/xvdb:r`): the host node's
// type and numbers are read here, at start, so the runtime gets plain data.

import { stat } from 'node:fs/promises';
import { BerthError } from '../../shared/errors.js';
import type { DeviceInput } from '../runtime/spec.js';

export interface DeviceRequest {
  readonly PathOnHost: string;
  readonly PathInContainer?: string;
  readonly CgroupPermissions?: string;
}

/** Linux's dev_t encoding (glibc's gnu_dev_major/minor). */
export function splitDeviceNumber(rdev: number): { major: number; minor: number } {
  const value = BigInt(rdev);
  const major = Number(((value >> 8n) & 0xfffn) | ((value >> 32n) & ~0xfffn));
  const minor = Number((value & 0xffn) | ((value >> 12n) & ~0xffn));
  return { major, minor };
}

export async function resolveDevices(requests: readonly DeviceRequest[]): Promise<DeviceInput[]> {
  const devices: DeviceInput[] = [];
  for (const request of requests) {
    const hostPath = request.PathOnHost;
    const permissions = request.CgroupPermissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(permissions)) {
      throw new BerthError(
        'InvalidArgument',
        `invalid device cgroup permissions "${permissions}" for ${hostPath}`,
      );
    }
    let info;
    try {
      info = await stat(hostPath);
    } catch (error) {
      throw new BerthError(
        'InvalidArgument',
        `error gathering device information while adding custom device "${hostPath}": no such file or directory`,
        { cause: error },
      );
    }
    if (!info.isCharacterDevice() && !info.isBlockDevice()) {
      throw new BerthError(
        'InvalidArgument',
        `error gathering device information while adding custom device "${hostPath}": not a device node`,
      );
    }
    devices.push({
      path: request.PathInContainer || hostPath,
      type: info.isCharacterDevice() ? 'c' : 'b',
      ...splitDeviceNumber(info.rdev),
      permissions,
      fileMode: info.mode & 0o7777,
      uid: info.uid,
      gid: info.gid,
    });
  }
  return devices;
}
