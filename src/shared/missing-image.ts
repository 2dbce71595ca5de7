// What to tell the user when an image is missing and cannot be pulled. Debian and Ubuntu images can be made
// from the distribution's package repositories with `berth image bootstrap`, so for those names the hint is
// that command. Pure: it reads the name only, so compose, the CLI and the engine client can all call it.

const DISTRIBUTIONS = new Set(['debian', 'ubuntu']);
const HUB_DOMAINS = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

/**
 * The `berth image bootstrap` command that makes `image`, or undefined when it is not a Debian or Ubuntu image.
 *
 *   bootstrapCommandFor('debian:bookworm') === 'berth image bootstrap debian:bookworm'
 *   bootstrapCommandFor('127.0.0.1:5000/ubuntu') === 'berth image bootstrap ubuntu:latest -t 127.0.0.1:5000/ubuntu'
 */
export function bootstrapCommandFor(image: string): string | undefined {
  if (image.includes('@')) return undefined; // a digest names content that a bootstrap cannot reproduce
  const parts = image.split('/');
  const first = parts[0] ?? '';
  const hasDomain = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  const domain = hasDomain ? first : 'docker.io';
  const path = (hasDomain ? parts.slice(1) : parts).join('/');
  const colon = path.lastIndexOf(':');
  const repository = colon === -1 ? path : path.slice(0, colon);
  const tag = colon === -1 ? 'latest' : path.slice(colon + 1);
  const name = repository.startsWith('library/') ? repository.slice('library/'.length) : repository;
  if (!DISTRIBUTIONS.has(name) || !/^[a-z0-9][a-z0-9.]*(-slim)?$/.test(tag)) return undefined;
  const command = `berth image bootstrap ${name}:${tag}`;
  return HUB_DOMAINS.has(domain) ? command : `${command} -t ${image}`;
}

/**
 * The hint for an image that is missing and could not be pulled: the bootstrap command, else the cause's own
 * hint. Nothing new when the cause's message already names the command (the engine's pull error does).
 */
export function missingImageHint(image: string, cause?: unknown): string | undefined {
  const command = bootstrapCommandFor(image);
  const causeHint =
    cause instanceof Error && 'hint' in cause && typeof cause.hint === 'string' ? cause.hint : undefined;
  if (command === undefined || (cause instanceof Error && cause.message.includes(command))) return causeHint;
  return `no registry reachable? make it from the distribution's package repositories: ${command}`;
}
