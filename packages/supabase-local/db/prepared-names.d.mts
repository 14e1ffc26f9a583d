/** db/prepared-names.mjs: a connection's prepared statements by text. */
export declare const MAX_PREPARED_PER_CONNECTION: number

/** A statement's name on its connection; `ready` once a batch that parsed it succeeded. */
export type PreparedEntry = { name: string; ready: boolean }

export declare class PreparedNames {
  /** The entry for a statement's text, marked most recently used. */
  use(text: string): PreparedEntry
  /** Statements to close before the next batch (evicted ones). */
  takeClosing(): string[]
}
