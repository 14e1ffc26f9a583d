import { renderToStaticMarkup } from "react-dom/server"
import { describe, expect, it } from "vitest"

import { Markdown } from "./markdown"

function render(markdown: string) {
  return renderToStaticMarkup(<Markdown>{markdown}</Markdown>)
}

// Synced content is written by whatever runs on a user's machine: every one of these must
// come out as inert text or not at all.
describe("Markdown from synced content", () => {
  it("renders GFM tables, lists and fenced code", () => {
    const html = render(
      "| Quant | Size |\n| --- | ---: |\n| Q4_K_M | 42 GB |\n\n- one\n- [x] done\n\n```ts\nconst a = 1\n```"
    )
    expect(html).toContain("<table")
    expect(html).toContain("<td")
    expect(html).toContain("Q4_K_M")
    expect(html).toContain("<li")
    expect(html).toContain("const a = 1")
    expect(html).toContain(">ts<")
  })

  it.each([
    ["a script tag", "<script>alert(1)</script>", /<script/i],
    ["an inline handler", '<img src=x onerror="alert(1)">', /onerror|<img/i],
    ["a javascript: link", "[click](javascript:alert(1))", /javascript:/i],
    [
      "an encoded javascript: link",
      "[click](jav&#x09;ascript:alert(1))",
      /ascript:/i,
    ],
    ["a data: URL", "[x](data:text/html;base64,PHNjcmlwdD4=)", /data:text/i],
    ["an iframe", '<iframe src="https://evil.example"></iframe>', /<iframe/i],
    ["a style tag", "<style>body{display:none}</style>", /<style/i],
    ["an svg with a handler", '<svg onload="alert(1)"></svg>', /<svg|onload/i],
    // The text may survive, escaped; an attribute would be onerror=" with a raw quote.
    [
      "a markdown image with a handler",
      '![x](https://evil.example/x.png" onerror="alert(1))',
      /<img|onerror="/i,
    ],
  ])("drops %s", (_, markdown, forbidden) => {
    expect(render(markdown)).not.toMatch(forbidden)
  })

  it("turns images into links, so reading a session fetches nothing from elsewhere", () => {
    const html = render("![chart](https://tracker.example/pixel.png)")
    expect(html).not.toContain("<img")
    expect(html).toContain('href="https://tracker.example/pixel.png"')
    expect(html).toContain("Image: chart")
  })

  it("opens ordinary links in a new tab without an opener", () => {
    const html = render("[docs](https://lmx.optalocal.com/docs)")
    expect(html).toContain('href="https://lmx.optalocal.com/docs"')
    expect(html).toContain('rel="noopener noreferrer nofollow ugc"')
  })

  it("keeps HTML inside code as text", () => {
    const html = render("```html\n<script>alert(1)</script>\n```")
    expect(html).not.toContain("<script>")
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;")
  })
})
