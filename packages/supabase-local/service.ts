import { type IncomingMessage, type ServerResponse } from "node:http"
import { type Duplex } from "node:stream"

import { type StackConfig } from "./config"
import { type Database } from "./db/types"
import { type StackKeys } from "./keys"

/** What every service of the local stack is given when the stack boots. */
export type ServiceContext = {
  db: Database
  config: StackConfig
  keys: StackKeys
  /** The stack's public base URL, e.g. http://127.0.0.1:54321. */
  apiUrl: string
  log: (line: string) => void
  /** The project's supabase/ folder (config.toml's relative paths start there). */
  supabaseDir: string
  /** Where Storage keeps object bytes (default .local/storage in the project). */
  storageDir: string
}

/** One API of the stack (REST, Auth, Realtime…), mounted under its path prefix. */
export type Service = {
  name: string
  /** e.g. "/rest/v1"; the longest matching prefix wins. */
  prefix: string
  handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void
  /** WebSocket upgrades under the prefix. */
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Lines for the status block printed at start, e.g. ["Mailbox URL: …"]. */
  statusLines?(): string[]
  /** Called once the HTTP server listens (apiUrl is final). */
  start?(): Promise<void>
  stop?(): Promise<void>
}

export type ServiceFactory = (ctx: ServiceContext) => Service | Promise<Service>
