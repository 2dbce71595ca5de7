// A service's restart policy as the engine takes it: `restart:` (no, always, on-failure[:N], unless-stopped),
// overridden by `deploy.restart_policy` when present (condition none → no, any → always, on-failure with
// max_attempts), as Docker Compose does.
import type { RestartPolicy } from '../../engine/api/containers.js';
import type { Service } from '../model/types.js';

const CONDITIONS: Record<string, RestartPolicy['Name']> = {
  none: 'no',
  no: 'no',
  any: 'always',
  always: 'always',
  'on-failure': 'on-failure',
  'unless-stopped': 'unless-stopped',
};

export function restartPolicyOf(service: Pick<Service, 'restart' | 'deploy'>): RestartPolicy {
  const deployed = service.deploy?.restart_policy;
  if (deployed !== undefined) {
    return {
      Name: CONDITIONS[deployed.condition ?? 'any'] ?? 'always',
      MaximumRetryCount: deployed.max_attempts ?? 0,
    };
  }
  if (service.restart === undefined || service.restart === '') return { Name: 'no', MaximumRetryCount: 0 };
  const [name = '', attempts] = service.restart.split(':');
  return {
    Name: CONDITIONS[name] ?? (name as RestartPolicy['Name']),
    MaximumRetryCount: attempts === undefined ? 0 : Number(attempts),
  };
}
