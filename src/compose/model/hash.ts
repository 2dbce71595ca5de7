// The config hash stored on each container (`com.docker.compose.config-hash`): the planner recreates a
// container when the hash of its service's current config differs from the one it was created with.
// Invariant: the hash depends only on what the service config says (never on key order or on how the
// file spelled it, since it is computed on the normalised model) and ignores exactly what Docker
// Compose's ServiceHash ignores (pkg/compose/hash.go):
//   - build and pull_policy: how the image is obtained; a rebuilt image is caught by the image digest;
//   - scale and deploy.replicas: changing the count adds or removes containers, it does not recreate;
//   - depends_on and profiles: ordering and selection, not the container itself;
//   - name, x-* extensions, env_file and label_file (their contents are already in environment/labels).
// develop is kept, as Docker Compose keeps it.

import { createHash } from 'node:crypto';
import type { Service } from './types.js';

const IGNORED = new Set([
  'name',
  'build',
  'pull_policy',
  'scale',
  'depends_on',
  'profiles',
  'extensions',
  'env_file',
  'label_file',
]);

export function serviceConfigHash(service: Service): string {
  const relevant: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(service)) {
    if (IGNORED.has(key) || value === undefined) continue;
    relevant[key] = value;
  }
  if (service.deploy) {
    const { replicas: _replicas, ...deploy } = service.deploy;
    relevant.deploy = deploy;
  }
  return createHash('sha256').update(stableJson(relevant)).digest('hex');
}

/** JSON with object keys sorted at every level, so equal values always give equal text. */
export function stableJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
}
