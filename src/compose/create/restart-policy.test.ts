import { expect, it } from 'vitest';
import { restartPolicyOf } from './restart-policy.js';

it('maps restart and deploy.restart_policy onto the engine policy, deploy winning', () => {
  expect(restartPolicyOf({})).toEqual({ Name: 'no', MaximumRetryCount: 0 });
  expect(restartPolicyOf({ restart: 'unless-stopped' })).toEqual({
    Name: 'unless-stopped',
    MaximumRetryCount: 0,
  });
  expect(restartPolicyOf({ restart: 'on-failure:3' })).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
  expect(restartPolicyOf({ deploy: { restart_policy: { condition: 'none' } } })).toEqual({
    Name: 'no',
    MaximumRetryCount: 0,
  });
  expect(restartPolicyOf({ deploy: { restart_policy: {} } }).Name).toBe('always');
  expect(
    restartPolicyOf({
      restart: 'always',
      deploy: { restart_policy: { condition: 'on-failure', max_attempts: 2 } },
    }),
  ).toEqual({ Name: 'on-failure', MaximumRetryCount: 2 });
});
