// Splitting an instruction's text into words while leaving every word as written (quotes and escapes kept):
// the parser needs word boundaries (ENV pairs, ARG names, COPY sources) long before the build knows the
// variables that `expandWord` will later substitute. Invariant: joining a word's characters back gives a
// substring of the input; nothing is removed except the whitespace between words.

/** `a "b c" d\ e` → ['a', '"b c"', 'd\ e']. An escape at the very end of the text is dropped. */
export function splitRawWords(text: string, escape: string): string[] {
  const words: string[] = [];
  let word = '';
  let started = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (ch === escape && quote !== "'") {
        if (i + 1 >= text.length) continue;
        word += ch;
        i++;
        word += text[i]!;
        continue;
      }
      word += ch;
      continue;
    }
    if (/\s/.test(ch)) {
      if (started) words.push(word);
      word = '';
      started = false;
      continue;
    }
    started = true;
    if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === escape) {
      if (i + 1 >= text.length) continue;
      word += ch;
      i++;
    }
    word += text[i]!;
  }
  if (started) words.push(word);
  return words;
}

/** Removes quotes and escapes without substituting anything (heredoc delimiters, flag values). */
export function unquote(word: string, escape: string): string {
  let out = '';
  let quote: string | undefined;
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else if (ch === escape && quote === '"' && i + 1 < word.length) out += word[++i]!;
      else out += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === escape) {
      if (i + 1 < word.length) out += word[++i]!;
    } else {
      out += ch;
    }
  }
  return out;
}
