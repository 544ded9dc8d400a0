// Templates in URLs, headers and bodies: `Bearer {{ token }}`, `/users/{{ user.id }}`,
// `{{ $randomInt(1, 100) }}`. Compiled once into literal parts and small closures; rendering is a
// loop of concatenations. Nothing in a template is ever executed as code (no eval, no Function).
//
// Inside {{ }}, one expression:
//   user.id, items[0].sku       a variable path (the root is a variable: `variables`, a data column, an extracted value)
//   "text", 'text', 42, -1.5    literals (so `{{ "{{" }}` writes "{{")
//   $randomInt(min, max)        a whole number in [min, max]
//   $uuid                       a random UUID v4
//   $pick(list) / $pick(a, b)   one element of a list variable, or one of the arguments
//   $seq / $seq("name")         a counter per agent (per TemplateContext), starting at 0
//   $nowMs / $nowIso            the current time: epoch milliseconds / ISO 8601
//   $json(x)                    x as JSON (strings quoted and escaped: for JSON bodies)
//   $env.NAME                   a value given to the CLI with --env NAME=VALUE (k6's __ENV); it is
//                               read from vars[ENV_ROOT], which only the program's `env` fills
// Helpers without arguments may drop the parentheses. Values render as text: strings as they are,
// numbers and booleans with String(), null as "null", objects and arrays as JSON.

/** What helpers need from the outside world; injected so that tests are deterministic. */
export interface TemplateContext {
  /** A uniform random number in [0, 1). */
  random(): number;
  /** Wall-clock time, epoch milliseconds. */
  nowMs(): number;
  /** The next value (0, 1, 2 ...) of the named counter. */
  nextSequence(name: string): number;
}

export type TemplateErrorCode = 'TEMPLATE_SYNTAX' | 'TEMPLATE_UNKNOWN_VARIABLE' | 'TEMPLATE_RENDER';

/** A template that does not compile (with its line and column, 1-based) or cannot render. */
export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  readonly template: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  /** The variable path that was missing (TEMPLATE_UNKNOWN_VARIABLE). */
  readonly variable: string | undefined;
  /** The message without the template's name and position. */
  readonly detail: string;

  constructor(code: TemplateErrorCode, template: string, message: string, at: { line?: number; column?: number; variable?: string; detail?: string } = {}) {
    super(message);
    this.detail = at.detail ?? message;
    this.name = 'TemplateError';
    this.code = code;
    this.template = template;
    this.line = at.line;
    this.column = at.column;
    this.variable = at.variable;
  }
}

export type Variables = Readonly<Record<string, unknown>>;

/**
 * The key of `Variables` under which `{{ $env.NAME }}` finds NAME's value (a string). No variable,
 * data feeder or extracted value can be named so (names never start with '$').
 */
export const ENV_ROOT = '$env';

/** Names `--env` accepts and `{{ $env.NAME }}` reads: a shell variable's. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Template {
  /** The name used in messages, e.g. `flows.buy.steps[1].request.url`. */
  readonly name: string;
  readonly source: string;
  /** Root variable names the template reads (for static checks against the known variables). */
  readonly variables: readonly string[];
  /** Every variable path it reads, root first (`users.email` -> ['users', 'email']), for static checks. */
  readonly paths: readonly (readonly (string | number)[])[];
  /** The `{{ $env.NAME }}` names it reads, in order, without repeats (not in `variables` or `paths`). */
  readonly env: readonly string[];
  /** True when the template has no {{ }}: render always returns the source. */
  readonly isStatic: boolean;
  /** Throws TemplateError TEMPLATE_UNKNOWN_VARIABLE or TEMPLATE_RENDER. */
  render(vars: Variables, ctx: TemplateContext): string;
}

type Eval = (vars: Variables, ctx: TemplateContext) => unknown;

/** A context from Math.random and Date.now with its own counters: one per agent. */
export function defaultTemplateContext(): TemplateContext {
  const counters = new Map<string, number>();
  return {
    random: Math.random,
    nowMs: Date.now,
    nextSequence(name) {
      const n = counters.get(name) ?? 0;
      counters.set(name, n + 1);
      return n;
    },
  };
}

export function compileTemplate(source: string, name: string): Template {
  const parts: (string | Eval)[] = [];
  const roots = new Set<string>();
  const paths: (string | number)[][] = [];
  const env = new Set<string>();
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open === -1) { parts.push(source.slice(i)); break; }
    if (open > i) parts.push(source.slice(i, open));
    const p = new ExprParser(source, open + 2, name, roots, paths, env);
    parts.push(p.parseTag());
    i = p.pos;
  }
  if (parts.length === 0) parts.push('');
  const only = parts[0];
  const render: Template['render'] = parts.length === 1 && typeof only === 'string'
    ? () => only
    : parts.length === 1 && typeof only === 'function'
      ? (vars, ctx) => toText(only(vars, ctx))
      : (vars, ctx) => {
          let out = '';
          for (const part of parts) out += typeof part === 'string' ? part : toText(part(vars, ctx));
          return out;
        };
  return { name, source, variables: [...roots], paths, env: [...env], isStatic: parts.every((p) => typeof p === 'string'), render };
}

function toText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  return JSON.stringify(v) ?? '';
}

/** 1-based line and column of a 0-based offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text[k] === '\n') { line++; lineStart = k + 1; }
  }
  return { line, column: offset - lineStart + 1 };
}

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /-?\d+(\.\d+)?/y;

const HELPERS: Record<string, { min: number; max: number }> = {
  randomInt: { min: 2, max: 2 },
  uuid: { min: 0, max: 0 },
  pick: { min: 1, max: Infinity },
  seq: { min: 0, max: 1 },
  nowMs: { min: 0, max: 0 },
  nowIso: { min: 0, max: 0 },
  json: { min: 1, max: 1 },
};

class ExprParser {
  pos: number;
  private readonly src: string;
  private readonly name: string;
  private readonly roots: Set<string>;
  private readonly paths: (string | number)[][];
  private readonly env: Set<string>;

  constructor(src: string, pos: number, name: string, roots: Set<string>, paths: (string | number)[][], env: Set<string>) {
    this.src = src;
    this.pos = pos;
    this.name = name;
    this.roots = roots;
    this.paths = paths;
    this.env = env;
  }

  /** Parses `expr }}` after the opening braces. */
  parseTag(): Eval {
    this.skipSpace();
    if (this.src.startsWith('}}', this.pos)) this.fail('empty {{ }}: write a variable like {{ user.id }} or a helper like {{ $uuid }}');
    const e = this.parseExpr();
    this.skipSpace();
    if (this.pos >= this.src.length) this.fail("unterminated {{: expected '}}'");
    if (!this.src.startsWith('}}', this.pos)) this.fail(`unexpected '${this.src[this.pos]}': expected '}}'`);
    this.pos += 2;
    return e;
  }

  private parseExpr(): Eval {
    this.skipSpace();
    const c = this.src[this.pos];
    if (c === undefined) this.fail("unterminated {{: expected '}}'");
    if (c === '"' || c === "'") return constant(this.parseString());
    if (c === '$') return this.parseHelper();
    NUMBER.lastIndex = this.pos;
    const num = NUMBER.exec(this.src);
    if (num !== null) { this.pos += num[0].length; return constant(Number(num[0])); }
    return this.parsePath();
  }

  private parseString(): string {
    const q = this.src[this.pos] as string;
    let out = '';
    this.pos++;
    for (;;) {
      const ch = this.src[this.pos];
      if (ch === undefined) this.fail(`unterminated ${q}-quoted string`);
      if (ch === '\\' && this.pos + 1 < this.src.length) { out += this.src[this.pos + 1]; this.pos += 2; continue; }
      this.pos++;
      if (ch === q) return out;
      out += ch;
    }
  }

  private ident(what: string): string {
    IDENT.lastIndex = this.pos;
    const m = IDENT.exec(this.src);
    if (m === null) this.fail(this.pos < this.src.length ? `unexpected '${this.src[this.pos]}': expected ${what}` : `expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  private parsePath(): Eval {
    const root = this.ident('a variable name, a string, a number or a $helper');
    const segs: (string | number)[] = [root];
    for (;;) {
      if (this.src[this.pos] === '.') {
        this.pos++;
        segs.push(this.ident("a key name after '.'"));
      } else if (this.src[this.pos] === '[') {
        this.pos++;
        const m = /\d+/y;
        m.lastIndex = this.pos;
        const d = m.exec(this.src);
        if (d === null) this.fail('expected an index like [0]');
        this.pos += d[0].length;
        if (this.src[this.pos] !== ']') this.fail("expected ']'");
        this.pos++;
        segs.push(Number(d[0]));
      } else break;
    }
    this.roots.add(root);
    this.paths.push(segs);
    const template = this.src;
    const name = this.name;
    return (vars) => {
      let v: unknown = vars;
      for (let k = 0; k < segs.length; k++) {
        const s = segs[k] as string | number;
        if (typeof v !== 'object' || v === null || !Object.hasOwn(v, s)) {
          const path = pathText(segs.slice(0, k + 1));
          throw new TemplateError('TEMPLATE_UNKNOWN_VARIABLE', template, `template ${name}: unknown variable "${path}"`, { variable: path });
        }
        v = (v as Record<string | number, unknown>)[s];
      }
      return v;
    };
  }

  private parseHelper(): Eval {
    const at = this.pos;
    this.pos++;
    const helper = this.ident('a helper name after $');
    if (helper === 'env') return this.parseEnv(at);
    const spec = HELPERS[helper];
    if (spec === undefined) this.fail(`unknown helper $${helper}; known: ${[...Object.keys(HELPERS), 'env.NAME'].map((h) => `$${h}`).join(', ')}`, at);
    const args: Eval[] = [];
    this.skipSpace();
    if (this.src[this.pos] === '(') {
      this.pos++;
      this.skipSpace();
      if (this.src[this.pos] === ')') this.pos++;
      else {
        for (;;) {
          args.push(this.parseExpr());
          this.skipSpace();
          if (this.src[this.pos] === ',') { this.pos++; continue; }
          if (this.src[this.pos] === ')') { this.pos++; break; }
          this.fail("expected ',' or ')'");
        }
      }
    }
    if (args.length < spec.min || args.length > spec.max) {
      const want = spec.min === spec.max ? `${spec.min}` : spec.max === Infinity ? `at least ${spec.min}` : `${spec.min} or ${spec.max}`;
      this.fail(`$${helper} takes ${want} argument(s), got ${args.length}`, at);
    }
    return this.helper(helper, args);
  }

  /** `$env.NAME` after `$env`: NAME's value from vars[ENV_ROOT]; a name not given fails to render. */
  private parseEnv(at: number): Eval {
    if (this.src[this.pos] !== '.') this.fail("$env needs a name: write {{ $env.NAME }}", at);
    this.pos++;
    const start = this.pos;
    const envName = this.ident('a variable name after $env.');
    if (!ENV_NAME.test(envName)) this.fail(`"${envName}" is not an environment variable name (letters, digits and _, not starting with a digit)`, start);
    if (this.src[this.pos] === '.' || this.src[this.pos] === '[') this.fail(`$env.${envName} is text: it has no keys or indices`);
    this.env.add(envName);
    const template = this.src;
    const name = this.name;
    return (vars) => {
      const env = vars[ENV_ROOT];
      const v = typeof env === 'object' && env !== null && Object.hasOwn(env, envName) ? (env as Record<string, unknown>)[envName] : undefined;
      if (typeof v !== 'string') {
        throw new TemplateError('TEMPLATE_UNKNOWN_VARIABLE', template, `template ${name}: $env.${envName} is not set: pass --env ${envName}=...`, { variable: `$env.${envName}` });
      }
      return v;
    };
  }

  private helper(helper: string, args: Eval[]): Eval {
    const name = this.name;
    const template = this.src;
    const bad = (msg: string): never => { throw new TemplateError('TEMPLATE_RENDER', template, `template ${name}: ${msg}`); };
    const [a, b] = args as [Eval, Eval];
    switch (helper) {
      case 'randomInt':
        return (vars, ctx) => {
          const lo = a(vars, ctx);
          const hi = b(vars, ctx);
          if (typeof lo !== 'number' || typeof hi !== 'number' || !Number.isInteger(lo) || !Number.isInteger(hi) || lo > hi) {
            return bad(`$randomInt(min, max) needs whole numbers with min <= max, got ${toText(lo)} and ${toText(hi)}`);
          }
          return lo + Math.floor(ctx.random() * (hi - lo + 1));
        };
      case 'uuid':
        return (_vars, ctx) => uuidV4(ctx.random);
      case 'pick':
        return (vars, ctx) => {
          const first = a(vars, ctx);
          const list = args.length === 1 ? first : args.map((e) => e(vars, ctx));
          if (!Array.isArray(list) || list.length === 0) return bad(`$pick needs a non-empty list or several arguments, got ${toText(list)}`);
          return list[Math.floor(ctx.random() * list.length)];
        };
      case 'seq':
        return (vars, ctx) => ctx.nextSequence(args.length === 0 ? '' : toText(a(vars, ctx)));
      case 'nowMs':
        return (_vars, ctx) => ctx.nowMs();
      case 'nowIso':
        return (_vars, ctx) => new Date(ctx.nowMs()).toISOString();
      case 'json':
        return (vars, ctx) => JSON.stringify(a(vars, ctx)) ?? 'null';
      default:
        return this.fail(`unknown helper $${helper}`);
    }
  }

  private skipSpace(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] as string)) this.pos++;
  }

  private fail(what: string, at = this.pos): never {
    const { line, column } = lineColumn(this.src, at);
    throw new TemplateError('TEMPLATE_SYNTAX', this.src, `template ${this.name} at line ${line}, column ${column}: ${what}`, { line, column, detail: what });
  }
}

function constant(v: unknown): Eval {
  return () => v;
}

function pathText(segs: (string | number)[]): string {
  return segs.map((s, k) => (typeof s === 'number' ? `[${s}]` : k === 0 ? s : `.${s}`)).join('');
}

const HEX = '0123456789abcdef';

/** A version 4 UUID from a [0, 1) random source. */
function uuidV4(random: () => number): string {
  let out = '';
  for (let k = 0; k < 32; k++) {
    let d = Math.floor(random() * 16);
    if (k === 12) d = 4;
    else if (k === 16) d = 8 + (d & 3);
    out += HEX[d];
    if (k === 7 || k === 11 || k === 15 || k === 19) out += '-';
  }
  return out;
}
