import { watch as fsWatch } from "node:fs"
import path from "node:path"

// `sync --watch`: re-syncs a file alone shortly after it stops changing. Chat apps write a
// conversation many times while a reply streams in; the debounce turns that into one sync.

export const WATCH_DEBOUNCE_MS = 750

export function watchFolder({
  folder,
  accept,
  onChange,
  signal,
  debounceMs = WATCH_DEBOUNCE_MS,
}: {
  folder: string
  accept: (file: string) => boolean
  onChange: (file: string) => void
  signal?: AbortSignal
  debounceMs?: number
}): Promise<void> {
  const timers = new Map<string, NodeJS.Timeout>()
  const watcher = fsWatch(folder, { recursive: true }, (_event, name) => {
    if (!name) return
    const file = path.join(folder, String(name))
    if (!accept(file)) return
    clearTimeout(timers.get(file))
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file)
        onChange(file)
      }, debounceMs)
    )
  })

  return new Promise((resolve) => {
    const stop = () => {
      watcher.close()
      for (const timer of timers.values()) clearTimeout(timer)
      resolve()
    }
    if (signal?.aborted) return stop()
    signal?.addEventListener("abort", stop, { once: true })
  })
}
