/**
 * A small subset of Go's html/template, enough for Supabase Auth email templates: `{{ .Var }}`,
 * `{{ .Data.key }}`, `{{ if .Var }}…{{ else }}…{{ end }}` and `{{/* comments *\/}}`. Values are
 * escaped by where they land, as html/template does: HTML text, quoted attribute values, and URL
 * attributes (scheme filter and normalisation at the start, query escaping after `?`). HTML
 * comments are dropped from the output, as html/template drops them. Anything else is refused
 * when the template is parsed, so a typo fails at boot rather than in a sent email.
 */

export class TemplateError extends Error {}

export type TemplateData = Record<string, unknown>

type Context =
  | { kind: "text" }
  | { kind: "comment" }
  | { kind: "tag" }
  | { kind: "attr"; quote: '"' | "'"; url: boolean; valueSoFar: string }
  | { kind: "raw"; tag: string }

type Node =
  | { type: "text"; value: string }
  | { type: "value"; path: string[]; context: Context; source: string }
  | { type: "if"; path: string[]; then: Node[]; otherwise: Node[] }

type Token =
  { type: "text"; value: string } | { type: "action"; body: string; source: string; line: number }

export type CompiledTemplate = {
  /** Renders as html/template would (escaped by context). */
  html(data: TemplateData): string
  /** Renders as text/template would (no escaping): Supabase Auth renders subjects this way. */
  text(data: TemplateData): string
}

const URL_ATTRIBUTES = new Set([
  "href",
  "src",
  "action",
  "formaction",
  "cite",
  "poster",
  "background",
  "longdesc",
  "usemap",
  "xmlns",
])

function tokenize(source: string, name: string): Token[] {
  const tokens: Token[] = []
  let index = 0
  let pendingTrimLeft = false
  while (index < source.length) {
    const open = source.indexOf("{{", index)
    if (open === -1) {
      pushText(source.slice(index))
      break
    }
    const close = source.indexOf("}}", open + 2)
    if (close === -1) {
      throw new TemplateError(`${name}:${lineOf(source, open)}: unclosed action "{{"`)
    }
    let body = source.slice(open + 2, close)
    let text = source.slice(index, open)
    // Go's trim markers: "{{- " trims the space before, " -}}" the space after.
    if (/^-\s/.test(body)) {
      text = text.replace(/\s+$/, "")
      body = body.slice(1)
    }
    pushText(text)
    let trimRight = false
    if (/\s-$/.test(body)) {
      trimRight = true
      body = body.slice(0, -1)
    }
    tokens.push({
      type: "action",
      body: body.trim(),
      source: source.slice(open, close + 2),
      line: lineOf(source, open),
    })
    pendingTrimLeft = trimRight
    index = close + 2
  }

  return tokens

  function pushText(value: string) {
    const text = pendingTrimLeft ? value.replace(/^\s+/, "") : value
    pendingTrimLeft = false
    if (text) tokens.push({ type: "text", value: text })
  }
}

function lineOf(source: string, offset: number) {
  return source.slice(0, offset).split("\n").length
}

/** `.`, `.Token`, `.Data.plan`: a field path from the data root. */
function parseField(expression: string): string[] | undefined {
  if (expression === ".") return []
  if (!/^(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(expression)) return undefined

  return expression.slice(1).split(".")
}

/** Follows the HTML tokenizer states html/template tracks, far enough for email markup. */
function advance(context: Context, literal: string): Context {
  let state = context
  let rest = literal
  while (rest) {
    switch (state.kind) {
      case "text": {
        const lt = rest.indexOf("<")
        if (lt === -1) return state
        rest = rest.slice(lt)
        if (rest.startsWith("<!--")) {
          state = { kind: "comment" }
          rest = rest.slice(4)
          break
        }
        const tag = /^<\/?([A-Za-z][A-Za-z0-9-]*)/.exec(rest)
        if (!tag) {
          rest = rest.slice(1)
          break
        }
        rest = rest.slice(tag[0].length)
        const tagName = tag[1]!.toLowerCase()
        state = { kind: "tag" }
        if (!tag[0].startsWith("</") && (tagName === "script" || tagName === "style")) {
          const end = rest.indexOf(">")
          if (end === -1) return state
          rest = rest.slice(end + 1)
          state = { kind: "raw", tag: tagName }
        }
        break
      }
      case "comment": {
        const end = rest.indexOf("-->")
        if (end === -1) return state
        rest = rest.slice(end + 3)
        state = { kind: "text" }
        break
      }
      case "raw": {
        const end = rest.toLowerCase().indexOf(`</${state.tag}`)
        if (end === -1) return state
        rest = rest.slice(end)
        state = { kind: "text" }
        break
      }
      case "tag": {
        const attr = /^\s*([^\s=>/"']+)\s*=\s*(["'])/.exec(rest)
        if (attr) {
          rest = rest.slice(attr[0].length)
          state = {
            kind: "attr",
            quote: attr[2] as '"' | "'",
            url: URL_ATTRIBUTES.has(attr[1]!.toLowerCase()),
            valueSoFar: "",
          }
          break
        }
        const end = /^\s*\/?>/.exec(rest)
        if (end) {
          rest = rest.slice(end[0].length)
          state = { kind: "text" }
          break
        }
        // A bare attribute, an unquoted value or a stray slash: skip it.
        const other = /^\s*(?:[^\s=>/"']+(?:\s*=\s*[^\s>"']*)?|\/)/.exec(rest)
        if (other && other[0].length > 0) {
          rest = rest.slice(other[0].length)
          break
        }
        if (/^\s*$/.test(rest)) return state
        rest = rest.slice(1)
        break
      }
      case "attr": {
        const end = rest.indexOf(state.quote)
        if (end === -1) {
          return { ...state, valueSoFar: state.valueSoFar + rest }
        }
        rest = rest.slice(end + 1)
        state = { kind: "tag" }
        break
      }
    }
  }

  return state
}

function sameContext(a: Context, b: Context) {
  if (a.kind !== b.kind) return false
  if (a.kind === "attr" && b.kind === "attr") {
    return a.quote === b.quote && a.url === b.url && urlPart(a) === urlPart(b)
  }

  return true
}

function urlPart(context: Extract<Context, { kind: "attr" }>) {
  if (!context.url) return "none"
  if (context.valueSoFar === "") return "start"
  if (/[?#]/.test(context.valueSoFar)) return "query"

  return "path"
}

/** Builds the node tree, checking that `if` branches end in the same context as Go requires. */
function parse(tokens: Token[], name: string): Node[] {
  let position = 0
  let context: Context = { kind: "text" }

  function block(): { nodes: Node[]; stop: "else" | "end" | "eof" } {
    const nodes: Node[] = []
    while (position < tokens.length) {
      const token = tokens[position]!
      position += 1
      if (token.type === "text") {
        nodes.push({ type: "text", value: token.value })
        context = advance(context, token.value)
        continue
      }
      const { body } = token
      if (/^\/\*[\s\S]*\*\/$/.test(body)) continue
      if (body === "else") return { nodes, stop: "else" }
      if (body === "end") return { nodes, stop: "end" }
      const ifMatch = /^if\s+(.+)$/.exec(body)
      if (ifMatch) {
        const path = parseField(ifMatch[1]!.trim())
        if (!path) unsupported(token)
        const before = context
        const then = block()
        const afterThen = context
        let otherwise: Node[] = []
        let stop = then.stop
        context = before
        if (then.stop === "else") {
          const second = block()
          otherwise = second.nodes
          stop = second.stop
        }
        if (stop !== "end") {
          throw new TemplateError(
            `${name}:${token.line}: "${token.source}" has no matching {{ end }}`
          )
        }
        if (!sameContext(afterThen, context)) {
          throw new TemplateError(
            `${name}:${token.line}: the branches of "${token.source}" end in different HTML contexts`
          )
        }
        nodes.push({ type: "if", path: path!, then: then.nodes, otherwise })
        continue
      }
      const path = parseField(body)
      if (!path) unsupported(token)
      if (context.kind === "tag") {
        throw new TemplateError(
          `${name}:${token.line}: "${token.source}" sits inside a tag outside a quoted attribute value; LMX Console's local stack only fills text and quoted attributes`
        )
      }
      if (context.kind === "raw") {
        throw new TemplateError(
          `${name}:${token.line}: "${token.source}" sits inside <${context.tag}>; LMX Console's local stack does not escape for scripts or styles`
        )
      }
      nodes.push({ type: "value", path: path!, context, source: token.source })
      // Whatever the value was, the URL no longer starts here.
      if (context.kind === "attr") context = { ...context, valueSoFar: `${context.valueSoFar}{{}}` }
    }

    return { nodes, stop: "eof" }
  }

  function unsupported(token: Extract<Token, { type: "action" }>): never {
    throw new TemplateError(
      `${name}:${token.line}: unsupported template construct "${token.source}" (LMX Console's local stack supports {{ .Var }}, {{ .Data.key }}, {{ if .Var }}, {{ else }}, {{ end }} and {{/* comments */}})`
    )
  }

  const top = block()
  if (top.stop !== "eof") {
    throw new TemplateError(`${name}: {{ ${top.stop} }} without a matching {{ if }}`)
  }

  return top.nodes
}

function lookup(data: TemplateData, path: string[]): unknown {
  let value: unknown = data
  for (const key of path) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined
    value = (value as Record<string, unknown>)[key]
  }

  return value
}

/** Go's truth: empty strings, zero, false, nil and empty maps/slices are false. */
function truthy(value: unknown) {
  if (value === undefined || value === null || value === false) return false
  if (value === "" || value === 0) return false
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === "object") return Object.keys(value).length > 0

  return true
}

/** Prints a value as Go's fmt would for the JSON shapes user metadata holds. */
function stringify(value: unknown): string {
  // html/template prints a missing map key (nil) as nothing.
  if (value === undefined || value === null) return ""
  if (typeof value === "string") return value
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  if (Array.isArray(value)) return `[${value.map(stringify).join(" ")}]`
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${key}:${stringify(item)}`)
    return `map[${entries.join(" ")}]`
  }

  return String(value)
}

/** html/template's htmlEscaper. */
export function escapeHtmlLikeGo(value: string) {
  return value.replace(/[\0"&'+<>]/g, (char) => {
    switch (char) {
      case "\0":
        return "\uFFFD"
      case '"':
        return "&#34;"
      case "&":
        return "&amp;"
      case "'":
        return "&#39;"
      case "+":
        return "&#43;"
      case "<":
        return "&lt;"
      default:
        return "&gt;"
    }
  })
}

const KEEP_ALWAYS = /[A-Za-z0-9\-._~]/
const KEEP_WHEN_NORMALISING = /[!#$&*+,/:;=?@[\]%]/

/** html/template's urlNormalizer (normalise) and urlEscaper (escape every reserved byte). */
function processUrl(value: string, normalise: boolean) {
  let out = ""
  for (const char of value) {
    if (KEEP_ALWAYS.test(char) || (normalise && KEEP_WHEN_NORMALISING.test(char))) {
      out += char
      continue
    }
    for (const byte of new TextEncoder().encode(char)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
    }
  }

  return out
}

/** html/template's urlFilter: only http, https and mailto URLs (or relative ones) pass. */
function filterUrl(value: string) {
  const colon = value.indexOf(":")
  if (colon !== -1 && !value.slice(0, colon).includes("/")) {
    const scheme = value.slice(0, colon).toLowerCase()
    if (scheme !== "http" && scheme !== "https" && scheme !== "mailto") return "#ZgotmplZ"
  }

  return value
}

function escapeFor(context: Context, value: string) {
  switch (context.kind) {
    case "text":
      return escapeHtmlLikeGo(value)
    case "comment":
      return ""
    case "attr": {
      const part = urlPart(context)
      if (part === "start") return escapeHtmlLikeGo(processUrl(filterUrl(value), true))
      if (part === "path") return escapeHtmlLikeGo(processUrl(value, true))
      if (part === "query") return escapeHtmlLikeGo(processUrl(value, false))

      return escapeHtmlLikeGo(value)
    }
    default:
      // parse() refuses values in tags and raw text, so this is never reached.
      throw new TemplateError(`cannot fill a value in a ${context.kind} context`)
  }
}

/** Drops HTML comments from literal text, as html/template does. */
function stripComments(nodes: Node[]): Node[] {
  let context: Context = { kind: "text" }

  function walk(list: Node[]): Node[] {
    const out: Node[] = []
    for (const node of list) {
      if (node.type === "text") {
        let kept = ""
        let rest = node.value
        while (rest) {
          if (context.kind === "comment") {
            const end = rest.indexOf("-->")
            if (end === -1) {
              rest = ""
              break
            }
            rest = rest.slice(end + 3)
            context = { kind: "text" }
            continue
          }
          const start = context.kind === "text" ? rest.indexOf("<!--") : -1
          const chunk = start === -1 ? rest : rest.slice(0, start)
          kept += chunk
          context = advance(context, chunk)
          rest = start === -1 ? "" : rest.slice(start + 4)
          if (start !== -1) context = { kind: "comment" }
        }
        if (kept) out.push({ type: "text", value: kept })
      } else if (node.type === "value") {
        if (context.kind !== "comment") out.push(node)
      } else {
        const before = context
        const then = walk(node.then)
        context = before
        const otherwise = walk(node.otherwise)
        out.push({ ...node, then, otherwise })
      }
    }

    return out
  }

  return walk(nodes)
}

/** Parses a template; `name` (the file) prefixes every error. */
export function compileTemplate(source: string, name: string): CompiledTemplate {
  const tree = parse(tokenize(source, name), name)
  const htmlTree = stripComments(tree)

  function render(nodes: Node[], data: TemplateData, escape: boolean): string {
    let out = ""
    for (const node of nodes) {
      if (node.type === "text") out += node.value
      else if (node.type === "value") {
        const value = stringify(lookup(data, node.path))
        out += escape ? escapeFor(node.context, value) : value
      } else {
        out += render(truthy(lookup(data, node.path)) ? node.then : node.otherwise, data, escape)
      }
    }

    return out
  }

  return {
    html: (data) => render(htmlTree, data, true),
    text: (data) => render(tree, data, false),
  }
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
}

function decodeEntities(value: string) {
  return value.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith("#x") || entity.startsWith("#X"))
      return String.fromCodePoint(parseInt(entity.slice(2), 16))
    if (entity.startsWith("#")) return String.fromCodePoint(Number(entity.slice(1)))

    return ENTITIES[entity.toLowerCase()] ?? whole
  })
}

/** A plain-text part for an HTML email: paragraphs kept, links written out after their label. */
export function htmlToText(html: string) {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, "")
    .replace(
      /<a\s[^>]*?href\s*=\s*(["'])(.*?)\1[^>]*>([\s\S]*?)<\/a>/gi,
      (_whole, _quote: string, href: string, label: string) => {
        // Entities stay encoded here; the whole text is decoded once at the end.
        const words = label.replace(/<[^>]*>/g, "").trim()
        return !words || words === href ? ` ${href} ` : `${words}: ${href}`
      }
    )
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|h[1-6]|li|tr|table|ul|ol)\s*>/gi, "\n\n")
    .replace(/<[^>]*>/g, "")

  return decodeEntities(text)
    .split("\n")
    .map((line) => line.replace(/[ \t]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
}
