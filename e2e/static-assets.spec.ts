import { expect, test } from "@playwright/test"

// public/: the icons, robots.txt and web manifest are served to anyone (no sign-in
// redirect), and the pages point at them.

test("[static] icons, robots.txt and the manifest are served and linked", async ({
  request,
  page,
}) => {
  const robots = await request.get("/robots.txt", { maxRedirects: 0 })
  expect(robots.status()).toBe(200)
  expect(await robots.text()).toMatch(/User-agent: \*\s+Disallow: \/\s*$/)

  const manifestResponse = await request.get("/manifest.webmanifest", {
    maxRedirects: 0,
  })
  expect(manifestResponse.status()).toBe(200)
  const manifest = (await manifestResponse.json()) as {
    name: string
    start_url: string
    icons: { src: string; sizes: string; type: string }[]
  }
  expect(manifest.name).toBe("LMX Console")
  expect(manifest.icons.map((icon) => icon.sizes)).toEqual(
    expect.arrayContaining(["192x192", "512x512"])
  )

  const icons = [
    ...manifest.icons.map((icon) => ({ src: icon.src, type: icon.type })),
    { src: "/favicon.ico", type: "image/x-icon" },
    { src: "/apple-touch-icon.png", type: "image/png" },
  ]
  for (const { src, type } of icons) {
    const response = await request.get(src, { maxRedirects: 0 })
    expect(response.status(), src).toBe(200)
    expect(response.headers()["content-type"], src).toContain(
      type === "image/x-icon" ? "image/" : type
    )
    const body = await response.body()
    if (type === "image/png") {
      // The PNG signature, and the pixel size the manifest promises (IHDR width and height).
      expect(body.subarray(1, 4).toString("latin1"), src).toBe("PNG")
      const size = manifest.icons.find((icon) => icon.src === src)?.sizes
      const width = body.readUInt32BE(16)
      const height = body.readUInt32BE(20)
      expect(`${width}x${height}`, src).toBe(size ?? "180x180")
    }
  }

  // The sign-in page (signed out) links the icons and the manifest.
  await page.goto("/sign-in")
  const head = page.locator("head")
  await expect(head.locator('link[rel="manifest"]')).toHaveAttribute(
    "href",
    "/manifest.webmanifest"
  )
  await expect(head.locator('link[rel="icon"][href="/icon.svg"]')).toHaveCount(
    1
  )
  await expect(
    head.locator('link[rel="apple-touch-icon"][href="/apple-touch-icon.png"]')
  ).toHaveCount(1)
  await expect(head.locator('meta[name="robots"]')).toHaveAttribute(
    "content",
    /noindex/
  )
})
