// WWW-Authenticate challenges as registries send them (RFC 7235): `Bearer realm="…",service="…",scope="…"` or
// `Basic realm="…"`. Pure parsing; the client decides what to do with them.

export interface Challenge {
  /** Lowercase scheme: `bearer`, `basic`. */
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses one or more challenges.
 *
 *   parseChallenges('Bearer realm="https://auth.example/token",service="reg"')
 *     → [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } }]
 */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const challenges: Challenge[] = [];
  if (header === null || header === undefined) return challenges;
  let i = 0;
  const text = header;
  const skipSpace = () => {
    while (i < text.length && /[\s,]/.test(text[i] ?? '')) i++;
  };
  const token = () => {
    const start = i;
    while (i < text.length && /[^\s,=]/.test(text[i] ?? '')) i++;
    return text.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < text.length) {
    skipSpace();
    const word = token();
    if (word === '') break;
    let j = i;
    while (j < text.length && text[j] === ' ') j++;
    if (text[j] === '=' && current !== undefined) {
      i = j + 1;
      while (i < text.length && text[i] === ' ') i++;
      let value = '';
      if (text[i] === '"') {
        i++;
        while (i < text.length && text[i] !== '"') {
          if (text[i] === '\\' && i + 1 < text.length) i++;
          value += text[i];
          i++;
        }
        i++;
      } else {
        value = token();
      }
      current.params[word.toLowerCase()] = value;
    } else {
      current = { scheme: word.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}
