import { describe, expect, it } from "vitest"

import { compileTemplate, htmlToText, TemplateError } from "./templates"

function html(source: string, data: Record<string, unknown>) {
  return compileTemplate(source, "test.html").html(data)
}

describe("the email template renderer", () => {
  it("fills fields and Data keys", () => {
    expect(
      html("<p>Hi {{ .Data.name }}, code {{.Token}}</p>", {
        Token: "123456",
        Data: { name: "Ada" },
      })
    ).toBe("<p>Hi Ada, code 123456</p>")
  })

  it("escapes text as html/template does", () => {
    expect(html("<p>{{ .Email }}</p>", { Email: `a+b<i>"x'&` })).toBe(
      "<p>a&#43;b&lt;i&gt;&#34;x&#39;&amp;</p>"
    )
  })

  it("renders a missing field or Data key as nothing, as Go does for map data", () => {
    expect(html("[{{ .NewEmail }}][{{ .Data.plan }}][{{ .Data.plan.tier }}]", { Data: {} })).toBe(
      "[][][]"
    )
  })

  it("escapes URL attributes by position: filtered start, normalised path, escaped query", () => {
    const source = `<a href="{{ .RedirectTo }}&amp;token_hash={{ .TokenHash }}">x</a><a href="https://x.test/?q={{ .Email }}">y</a>`
    expect(
      html(source, {
        RedirectTo: "http://localhost:3000/auth/callback?next=%2Fa b",
        TokenHash: "ab cd",
        Email: "a&b@x.test",
      })
    ).toBe(
      `<a href="http://localhost:3000/auth/callback?next=%2Fa%20b&amp;token_hash=ab%20cd">x</a>` +
        `<a href="https://x.test/?q=a%26b%40x.test">y</a>`
    )
    expect(html(`<a href="{{ .RedirectTo }}">x</a>`, { RedirectTo: "javascript:alert(1)" })).toBe(
      `<a href="#ZgotmplZ">x</a>`
    )
  })

  it("escapes other quoted attributes as HTML", () => {
    expect(html(`<img alt='{{ .Email }}'>`, { Email: `"'<` })).toBe(`<img alt='&#34;&#39;&lt;'>`)
  })

  it("drops HTML comments and the actions inside them", () => {
    expect(html("<!-- {{ .Token }} -->\n<p>{{ .Token }}</p>", { Token: "1" })).toBe("\n<p>1</p>")
  })

  it("supports if / else / end and trim markers", () => {
    const source =
      "{{ if .NewEmail }}to {{ .NewEmail }}{{ else }}no change{{ end }} {{- /* note */ -}} !"
    expect(html(source, { NewEmail: "n@x.test" })).toBe("to n@x.test!")
    expect(html(source, { NewEmail: "" })).toBe("no change!")
  })

  it("renders subjects without escaping, as text/template does", () => {
    expect(
      compileTemplate("Welcome {{ .Data.name }} & co", "subject").text({ Data: { name: "<Ada>" } })
    ).toBe("Welcome <Ada> & co")
  })

  it("refuses unsupported constructs with the file and line", () => {
    expect(() =>
      compileTemplate("<p>\n{{ range .Data }}x{{ end }}</p>", "templates/x.html")
    ).toThrow(TemplateError)
    expect(() => compileTemplate("<p>\n{{ .Token | upper }}</p>", "templates/x.html")).toThrow(
      /templates\/x\.html:2: unsupported template construct "\{\{ \.Token \| upper \}\}"/
    )
    expect(() => compileTemplate(`{{ if eq .Email "a" }}x{{ end }}`, "t.html")).toThrow(
      /unsupported/
    )
    expect(() => compileTemplate("{{ if .Email }}x", "t.html")).toThrow(/no matching \{\{ end \}\}/)
    expect(() => compileTemplate("x{{ end }}", "t.html")).toThrow(/without a matching/)
    expect(() => compileTemplate("<a {{ .Email }}>", "t.html")).toThrow(/inside a tag/)
    expect(() => compileTemplate("<script>{{ .Email }}</script>", "t.html")).toThrow(/<script>/)
    expect(() => compileTemplate("{{ .Email ", "t.html")).toThrow(/unclosed/)
  })

  it("derives a text part with the links written out", () => {
    expect(
      htmlToText(
        `<!-- c --><h2>Sign in</h2>\n<p>\n  <a href="http://x.test/?a=1&amp;b=2">Sign in</a>\n</p><p>Code: <strong>1</strong></p>`
      )
    ).toBe("Sign in\n\nSign in: http://x.test/?a=1&b=2\n\nCode: 1")
  })
})
