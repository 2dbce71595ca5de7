// The filters of GET /containers/json: id (prefix), name (regular expression, as Docker), label, status,
// ancestor (image name or ID), exited (exit code), health (starting|healthy|unhealthy|none). Invariant: pure; unknown filter names are rejected before
// any record is looked at.
import { BerthError } from '../../shared/errors.js';
import { checkFilterNames, matchLabels, type Filters } from '../api/filters.js';
import type { ContainerRecord } from './record.js';

export const CONTAINER_FILTERS = ['id', 'name', 'label', 'status', 'ancestor', 'exited', 'health'] as const;
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export function checkContainerFilters(filters: Filters): void {
  checkFilterNames(filters, CONTAINER_FILTERS);
  for (const status of filters.get('status') ?? []) {
    if (!STATUSES.includes(status))
      throw new BerthError('InvalidArgument', `invalid filter 'status=${status}'`);
  }
  for (const health of filters.get('health') ?? []) {
    if (!HEALTH.includes(health))
      throw new BerthError(
        'InvalidArgument',
        `Unrecognised filter value for health: ${health} (use starting, healthy, unhealthy or none)`,
      );
  }
}

/** Whether `image` (as the container names it, or its ID) matches an ancestor filter value. */
function matchesAncestor(record: ContainerRecord, wanted: string): boolean {
  const short = (ref: string) => ref.replace(/^docker\.io\/(library\/)?/, '');
  const withTag = (ref: string) => (/:[^/]+$/.test(ref) || ref.includes('@') ? ref : `${ref}:latest`);
  if (withTag(short(record.image)) === withTag(short(wanted))) return true;
  const hex = record.imageId.replace(/^sha256:/, '');
  const wantedHex = wanted.replace(/^sha256:/, '');
  return /^[0-9a-f]+$/.test(wantedHex) && wantedHex.length >= 4 && hex.startsWith(wantedHex);
}

export function matchContainer(record: ContainerRecord, filters: Filters): boolean {
  const some = (name: string, test: (value: string) => boolean): boolean => {
    const values = filters.get(name);
    return values === undefined || values.length === 0 || values.some(test);
  };
  return (
    some('id', (value) => record.id.startsWith(value)) &&
    some('name', (value) => {
      const pattern = value.startsWith('/') ? value.slice(1) : value;
      try {
        return new RegExp(pattern).test(record.name);
      } catch {
        return record.name.includes(pattern);
      }
    }) &&
    matchLabels(record.config.Labels ?? {}, filters.get('label')) &&
    some('status', (value) => record.state.status === value) &&
    some('ancestor', (value) => matchesAncestor(record, value)) &&
    some('exited', (value) => record.state.status === 'exited' && String(record.state.exitCode) === value) &&
    some('health', (value) => (record.health?.Status ?? 'none') === value)
  );
}
