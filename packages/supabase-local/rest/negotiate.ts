import { ApiError } from "./errors"
import { type BodyFormat } from "./read-plan"

export type Media = { format: BodyFormat; singular: boolean; contentType: string }

const JSON_MEDIA: Media = {
  format: "json",
  singular: false,
  contentType: "application/json; charset=utf-8",
}

/** Picks the response media type from Accept, in PostgREST's order of preference. */
export function negotiate(accept: string | undefined): Media {
  if (!accept || accept.trim() === "") return JSON_MEDIA
  const offered = accept
    .split(",")
    .map((part, index) => {
      const [type = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase())
      const q = params.find((p) => p.startsWith("q="))
      const stripped = params.includes("nulls=stripped")
      return { type, stripped, q: q ? Number(q.slice(2)) : 1, index }
    })
    .filter((m) => m.type !== "" && !(m.q <= 0))
    .sort((a, b) => b.q - a.q || a.index - b.index)
  for (const media of offered) {
    switch (media.type) {
      case "application/json":
      case "application/*":
      case "*/*":
        return JSON_MEDIA
      case "application/vnd.pgrst.array+json":
        return media.stripped
          ? {
              format: "json-stripped",
              singular: false,
              contentType: "application/vnd.pgrst.array+json;nulls=stripped; charset=utf-8",
            }
          : {
              format: "json",
              singular: false,
              contentType: "application/vnd.pgrst.array+json; charset=utf-8",
            }
      case "application/vnd.pgrst.object+json":
        return {
          format: media.stripped ? "json-stripped" : "json",
          singular: true,
          contentType: media.stripped
            ? "application/vnd.pgrst.object+json;nulls=stripped; charset=utf-8"
            : "application/vnd.pgrst.object+json; charset=utf-8",
        }
      case "text/csv":
        return { format: "csv", singular: false, contentType: "text/csv; charset=utf-8" }
    }
  }
  throw new ApiError(
    406,
    "PGRST107",
    `None of these media types are available: ${offered.map((m) => m.type).join(", ") || accept}`
  )
}
