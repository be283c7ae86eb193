// A port of NNG's nng_opts_parse(): long options match by unambiguous prefix ("--req" is --req0),
// "--name=value" and "--name:value" attach a value, short options take theirs attached ("-C3") or
// as the next word, and parsing stops at the first word that is not an option ("-" is consumed).

export interface OptSpec<V> {
  name: string;
  short?: string;
  value: V;
  hasArg?: boolean;
}

export type OptEvent<V> =
  | { kind: "option"; value: V; arg: string }
  | { kind: "end" }
  | { kind: "invalid"; word: string }
  | { kind: "ambiguous"; word: string }
  | { kind: "noarg"; word: string };

/** Parses argv from `state.index`, advancing it; one option per call, like NNG's. */
export function nextOption<V>(argv: readonly string[], specs: readonly OptSpec<V>[], state: { index: number }): OptEvent<V> {
  const i = state.index;
  if (i >= argv.length) return { kind: "end" };
  const word = argv[i]!;
  if (!word.startsWith("-")) return { kind: "end" };
  if (word.length === 1) {
    state.index = i + 1;
    return { kind: "end" };
  }
  const long = word[1] === "-";
  const rest = long ? word.slice(2) : word.slice(1);
  let len = 1;
  if (long) {
    len = rest.length;
    const sep = rest.search(/[=:]/);
    if (sep >= 0) len = sep;
  }
  const name = rest.slice(0, len);
  let match: OptSpec<V> | undefined;
  let matches = 0;
  for (const spec of specs) {
    if (!long) {
      if (spec.short !== undefined && spec.short === rest[0]) {
        match = spec;
        matches = 1;
        break;
      }
      continue;
    }
    if (!spec.name.startsWith(name)) continue;
    matches++;
    match = spec;
    if (spec.name.length === len) {
      matches = 1;
      break;
    }
  }
  if (matches === 0 || !match) return { kind: "invalid", word };
  if (matches > 1) return { kind: "ambiguous", word };
  if (!match.hasArg) {
    if (rest.length > len) return { kind: "invalid", word };
    state.index = i + 1;
    return { kind: "option", value: match.value, arg: "" };
  }
  let arg: string;
  let next = i;
  if (rest.length > len) {
    arg = long ? rest.slice(len + 1) : rest.slice(len);
  } else {
    next++;
    if (next >= argv.length) return { kind: "noarg", word };
    arg = argv[next]!;
  }
  state.index = next + 1;
  return { kind: "option", value: match.value, arg };
}
