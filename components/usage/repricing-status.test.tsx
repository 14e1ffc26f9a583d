import { renderToStaticMarkup } from "react-dom/server"
import { describe, expect, it } from "vitest"

import { RepricingStatus } from "./repricing-status"

describe("RepricingStatus", () => {
  it("announces the re-pricing without claiming a fraction done", () => {
    const html = renderToStaticMarkup(<RepricingStatus what="Re-pricing…" />)
    expect(html).toContain('role="status"')
    expect(html).toContain("Re-pricing…")
    expect(html).toContain("previous figures until it is done")
    // No partial-width bar and no progressbar role: the database cannot say how far it is.
    expect(html).not.toMatch(/\bw-1\/3\b|role="progressbar"|aria-valuenow/)
  })
})
