import { renderToStaticMarkup } from "react-dom/server"
import { describe, expect, it } from "vitest"

import { HighlightedExcerpt } from "./highlighted-excerpt"

describe("HighlightedExcerpt", () => {
  it("renders hostile excerpts as escaped text, with only our <mark> elements", () => {
    const html = renderToStaticMarkup(
      <HighlightedExcerpt
        excerpt={
          '<script>alert(1)</script> <mark><img src=x onerror="alert(2)"></mark> <a href="javascript:alert(3)">link</a>'
        }
      />
    )
    expect(html).not.toContain("<script")
    expect(html).not.toContain("<img")
    expect(html).not.toContain("<a ")
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;")
    expect(html).toContain(
      "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;</mark>"
    )
    expect(html.match(/<mark/g)).toHaveLength(1)
  })
})
