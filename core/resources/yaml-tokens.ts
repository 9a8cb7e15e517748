import { isIP } from 'node:net';
import { CST, Lexer, Parser } from 'yaml';

const NEWLINES = new Set(['\n', '\r\n']);
const FLOW_ENDS = new Set([',', ']', '}']);

/**
 * Whether the tokens from `j` end a value: end of input, a line, a flow item, or spaces then a
 * comment or one of those. Returns how many tokens to drop (the lexer's empty value before `,`), or -1.
 */
function valueEnd(tokens: readonly string[], j: number): number {
  const t = tokens[j];
  if (t === undefined || NEWLINES.has(t) || FLOW_ENDS.has(t)) return 0;
  if (t === CST.SCALAR && tokens[j + 1] === '' && FLOW_ENDS.has(tokens[j + 2] ?? '')) return 2;
  if (!/^[ \t]+$/.test(t)) return -1;
  const next = tokens[j + 1];
  return next === undefined || NEWLINES.has(next) || FLOW_ENDS.has(next) || next.startsWith('#') ? 0 : -1;
}

/**
 * Lexer tokens, with a plain IPv6 address that ends in `::` (`2001:db8::`, `::`) kept whole.
 * YAML reads its last `:` as a mapping indicator (`[2001:db8::]` would be `[{"2001:db8:": null}]`,
 * and `address: 2001:db8::` an error); no one writing an Istio address means that.
 */
export function ipv6AwareTokens(text: string): string[] {
  const tokens = [...new Lexer().lex(text)];
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i += 1) {
    const source = tokens[i + 1];
    const drop = tokens[i] === CST.SCALAR && source !== undefined && tokens[i + 2] === ':' && isIP(`${source}:`) === 6 ? valueEnd(tokens, i + 3) : -1;
    if (drop >= 0) {
      out.push(CST.SCALAR, `${source}:`);
      i += 2 + drop;
    } else {
      out.push(tokens[i]!);
    }
  }
  return out;
}

/** The CST of a YAML stream, read from `ipv6AwareTokens`. */
export function* parseCst(text: string): Generator<CST.Token> {
  const parser = new Parser();
  for (const token of ipv6AwareTokens(text)) yield* parser.next(token);
  yield* parser.end();
}
