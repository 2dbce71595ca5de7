import { describe, expect, test } from 'vitest';
import { parseComposeYaml } from './parse.js';
import { UNSUPPORTED, unsupportedAttributes } from './unsupported.js';

function warningsOf(yaml: string): string[] {
  const [document] = parseComposeYaml(yaml, 'compose.yaml');
  if (!document) throw new Error('no document');
  return unsupportedAttributes(document.value, document.sourceMap).map((warning) => {
    const at = warning.position
      ? `${warning.position.file}:${warning.position.line}:${warning.position.col} `
      : '';
    return at + warning.message;
  });
}

const HOST_ARCH = process.arch === 'x64' ? 'amd64' : process.arch;

describe('unsupportedAttributes', () => {
  test('a plain project has no warning', () => {
    expect(
      warningsOf(
        `services:\n  web:\n    image: x\n    platform: linux/${HOST_ARCH}\n    deploy: { mode: replicated, replicas: 2 }\n    logging: { driver: json-file }\nnetworks:\n  front: { driver: bridge }\nvolumes:\n  data: { driver: local }\n`,
      ),
    ).toEqual([]);
  });

  test('one warning per unsupported attribute, in file order', () => {
    const yaml = `services:
  web:
    image: x
    gpus: all
    deploy:
      placement: { constraints: [node.role==manager] }
      resources:
        reservations:
          devices: [{ capabilities: [gpu] }]
  db:
    image: y
    runtime: runsc
    build:
      context: .
      ssh: [default]
`;
    expect(warningsOf(yaml)).toEqual([
      "compose.yaml:4:5 services.web.gpus: not supported by berth's engine yet (ignored)",
      "compose.yaml:6:7 services.web.deploy.placement: not supported by berth's engine yet (ignored)",
      "compose.yaml:9:11 services.web.deploy.resources.reservations.devices: not supported by berth's engine yet (ignored)",
      "compose.yaml:12:5 services.db.runtime: not supported by berth's engine yet (ignored)",
      "compose.yaml:15:7 services.db.build.ssh: not supported by berth's engine yet (ignored)",
    ]);
  });

  test('value-dependent entries name the value', () => {
    const yaml = `services:
  web:
    image: x
    platform: windows/amd64
    deploy: { mode: global }
    use_api_socket: true
    logging: { driver: syslog }
    build:
      context: .
      platforms: [linux/amd64, linux/arm64]
networks:
  swarm: { driver: overlay, attachable: true }
  v6: { enable_ipv6: "true" }
volumes:
  nfs: { driver: nfs }
models:
  llm: { model: ai/x }
`;
    expect(warningsOf(yaml)).toEqual([
      `compose.yaml:4:5 services.web.platform: "windows/amd64" is not supported by berth's engine yet (ignored)`,
      `compose.yaml:5:15 services.web.deploy.mode: "global" is not supported by berth's engine yet (ignored)`,
      "compose.yaml:6:5 services.web.use_api_socket: not supported by berth's engine yet (ignored)",
      `compose.yaml:7:16 services.web.logging.driver: "syslog" is not supported by berth's engine yet (ignored)`,
      "compose.yaml:10:7 services.web.build.platforms: not supported by berth's engine yet (ignored)",
      `compose.yaml:12:12 networks.swarm.driver: "overlay" is not supported by berth's engine yet (ignored)`,
      "compose.yaml:12:29 networks.swarm.attachable: not supported by berth's engine yet (ignored)",
      "compose.yaml:13:9 networks.v6.enable_ipv6: not supported by berth's engine yet (ignored)",
      `compose.yaml:15:10 volumes.nfs.driver: "nfs" is not supported by berth's engine yet (ignored)`,
      "compose.yaml:16:1 models: not supported by berth's engine yet (ignored)",
    ]);
  });

  test('values berth does honour are not reported', () => {
    expect(
      warningsOf(
        'services:\n  web:\n    image: x\n    use_api_socket: false\n    build:\n      context: .\n      platforms: [linux/amd64]\n',
      ),
    ).toEqual([]);
  });

  test('every table entry gives a reason', () => {
    for (const entry of UNSUPPORTED) expect(entry.reason.length, entry.path).toBeGreaterThan(5);
    expect(new Set(UNSUPPORTED.map((entry) => entry.path)).size).toBe(UNSUPPORTED.length);
  });
});
