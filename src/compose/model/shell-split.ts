// Splits a command string into words the way Docker Compose does (go-shellwords, no env, no backticks
// evaluated): whitespace separates words, single quotes are literal, double quotes group, a backslash
// escapes the next character (outside single quotes). Nothing is run and nothing is expanded.
// Invariant: an unquoted `;`, `&`, `|`, `<` or `>` ends the command — go-shellwords stops there and
// Docker Compose keeps only the words before it, so we do the same rather than invent a meaning.

export class ShellSplitError extends Error {
  constructor(readonly text: string) {
    super(`invalid command line string: ${text}`);
    this.name = 'ShellSplitError';
  }
}

const SPACE = new Set([' ', '\t', '\r', '\n']);
const STOP = new Set([';', '&', '|', '<', '>']);

export function shellSplit(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false; // a word has started, even an empty quoted one ('')
  let escaped = false;
  let single = false;
  let double = false;
  let backtick = false;

  for (const char of text) {
    if (escaped) {
      word += char;
      escaped = false;
      inWord = true;
      continue;
    }
    if (char === '\\') {
      if (single) word += char;
      else escaped = true;
      continue;
    }
    if (SPACE.has(char)) {
      if (single || double || backtick) word += char;
      else if (inWord) {
        words.push(word);
        word = '';
        inWord = false;
      }
      continue;
    }
    if (char === '"' && !single) {
      if (double) inWord = true;
      double = !double;
      continue;
    }
    if (char === "'" && !double) {
      if (single) inWord = true;
      single = !single;
      continue;
    }
    if (char === '`' && !single && !double) backtick = !backtick;
    if (STOP.has(char) && !single && !double && !backtick) {
      // `2>file`: the descriptor number belongs to the redirection, not to the command.
      if (char === '>' && /^[0-9]/.test(word)) inWord = false;
      break;
    }
    word += char;
    inWord = true;
  }
  if (escaped || single || double || backtick) throw new ShellSplitError(text);
  if (inWord) words.push(word);
  return words;
}
