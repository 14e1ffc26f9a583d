import { ApiError } from "./errors"
import { type BodyFormat } from "./read-plan"

export type PlanMedia = {
  format: "json" | "text"
  /** EXPLAIN options, in PostgREST's order: analyze, verbose, settings, buffers, wal. */
  options: string[]
}

export type Media = {
  format: BodyFormat
  singular: boolean
  contentType: string
  /** application/vnd.pgrst.plan: answer the statement's EXPLAIN instead of its rows. */
  plan?: PlanMedia
}

const PLAN_OPTIONS = ["analyze", "verbose", "settings", "buffers", "wal"]

/**
 * application/vnd.pgrst.plan[+json|+text]; for="<media>"; options=a|b, as PostgREST's
 * MediaType.hs reads it: the plan of the statement that would answer `for` (JSON by default);
 * text unless +json.
 */
function planMedia(type: string, params: string[]): Media {
  const format = type === "application/vnd.pgrst.plan+json" ? "json" : "text"
  const param = (name: string) =>
    params
      .find((p) => p.startsWith(`${name}=`))
      ?.slice(name.length + 1)
      .replace(/^"(.*)"$/, "$1")
  const wanted = (param("options") ?? "").split("|")
  const options = PLAN_OPTIONS.filter((o) => wanted.includes(o))
  const target = negotiate(param("for") ?? "application/json")
  const forType = target.contentType.split(";")[0]!
  return {
    format: target.format,
    singular: target.singular,
    contentType: `application/vnd.pgrst.plan+${format}; for="${forType}"${options.length ? `; options=${options.join("|")}` : ""}; charset=utf-8`,
    plan: { format, options },
  }
}

const JSON_MEDIA: Media = {
  format: "json",
  singular: false,
  contentType: "application/json; charset=utf-8",
}

/**
 * Media types by Accept header. A client sends the same few headers on every request, so each
 * distinct one is read once; bounded, as the header is the client's to choose.
 */
const byAccept = new Map<string, Media>()
const BY_ACCEPT_LIMIT = 256

/** Picks the response media type from Accept, in PostgREST's order of preference. */
export function negotiate(accept: string | undefined): Media {
  if (!accept || accept.trim() === "") return JSON_MEDIA
  let media = byAccept.get(accept)
  if (!media) {
    // A refused header throws here and is never kept.
    media = Object.freeze(negotiateHeader(accept))
    if (byAccept.size >= BY_ACCEPT_LIMIT) byAccept.clear()
    byAccept.set(accept, media)
  }

  return media
}

function negotiateHeader(accept: string): Media {
  const offered = accept
    .split(",")
    .map((part, index) => {
      const [type = "", ...params] = part.split(";").map((p) => p.trim().toLowerCase())
      const q = params.find((p) => p.startsWith("q="))
      const stripped = params.includes("nulls=stripped")
      return { type, params, stripped, q: q ? Number(q.slice(2)) : 1, index }
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
      case "application/geo+json":
        return {
          format: "geojson",
          singular: false,
          contentType: "application/geo+json; charset=utf-8",
        }
      case "application/vnd.pgrst.plan":
      case "application/vnd.pgrst.plan+text":
      case "application/vnd.pgrst.plan+json":
        return planMedia(media.type, media.params)
    }
  }
  throw new ApiError(
    406,
    "PGRST107",
    `None of these media types are available: ${offered.map((m) => m.type).join(", ") || accept}`
  )
}
