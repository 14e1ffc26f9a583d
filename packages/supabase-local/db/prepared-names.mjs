// The names of the statements one connection keeps prepared, least recently used first: shared
// by the Postgres driver's batches (postgres-prepared.ts) and PGlite's thread
// (pglite-worker.mjs), which each send Parse only the first time a text comes. Plain
// JavaScript, as the thread starts without the TypeScript loader of its parent.

/**
 * How many statements one connection keeps prepared. Request shapes repeat (the values are
 * parameters), so a few hundred cover an application; past that the least recently used one is
 * closed, which bounds the backend's memory for plans.
 */
export const MAX_PREPARED_PER_CONNECTION = 256

export class PreparedNames {
  #byText = new Map()
  #toClose = []
  #next = 0

  /** The entry for a statement's text, marked most recently used. */
  use(text) {
    let entry = this.#byText.get(text)
    if (entry) this.#byText.delete(text)
    else entry = { name: `lmx_${(this.#next++).toString(36)}`, ready: false }
    this.#byText.set(text, entry)
    if (this.#byText.size > MAX_PREPARED_PER_CONNECTION) {
      const [oldestText, oldest] = this.#byText.entries().next().value
      this.#byText.delete(oldestText)
      this.#toClose.push(oldest.name)
    }
    return entry
  }

  /** Statements to close before the next batch (evicted ones). */
  takeClosing() {
    return this.#toClose.splice(0)
  }
}
