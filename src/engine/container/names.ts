// Container ids and names: 64 hex characters for ids, Docker's name rule for names, and generated names in
// Docker's `adjective_surname` style when the client gives none. Invariant: a valid name never starts with a
// slash once stored (the slash is added only on the wire: "/web").
import { randomBytes } from 'node:crypto';
import { BerthError } from '../../shared/errors.js';

const NAME_RULE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function newContainerId(): string {
  return randomBytes(32).toString('hex');
}

/** The stored form of a requested name ("/web" → "web"); throws Docker's message for an invalid one. */
export function normaliseName(requested: string): string {
  const name = requested.startsWith('/') ? requested.slice(1) : requested;
  if (!NAME_RULE.test(name)) {
    throw new BerthError(
      'InvalidArgument',
      `Invalid container name (${requested}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  return name;
}

const ADJECTIVES = [
  'brave', 'calm', 'eager', 'fancy', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'nifty', 'proud',
  'quiet', 'rapid', 'sharp', 'tender', 'upbeat', 'vivid', 'witty', 'zealous',
]; // prettier-ignore
const SURNAMES = [
  'babbage', 'curie', 'darwin', 'euler', 'fermi', 'gauss', 'hopper', 'kepler', 'lovelace', 'meitner',
  'noether', 'pascal', 'ritchie', 'shannon', 'turing', 'volta', 'wozniak', 'yalow', 'zuse', 'lamarr',
]; // prettier-ignore

/** A generated name not in `taken` (a numeric suffix when the pairs run out). */
export function generateName(taken: (name: string) => boolean, random: () => number = Math.random): string {
  for (let attempt = 0; ; attempt++) {
    const adjective = ADJECTIVES[Math.floor(random() * ADJECTIVES.length)] ?? 'brave';
    const surname = SURNAMES[Math.floor(random() * SURNAMES.length)] ?? 'turing';
    const name = attempt < 10 ? `${adjective}_${surname}` : `${adjective}_${surname}${attempt}`;
    if (!taken(name)) return name;
  }
}
