// The server side of `npm run bench:storage`, in a process of its own as the local stack runs
// (`supabase-local start`), so the figures are not the client's and the server's work on one
// event loop, and the server's memory is measured apart from the client's.
//   - `stack`: the local stack over the Storage fixture project (LMX_BENCH_STORAGE holds the
//     storage options as JSON, LMX_BENCH_STORAGE_DIR the bytes folder); prints its URL, anon
//     key and an access token for the user LMX_BENCH_USER;
//   - `bare`: the yardstick, a Node HTTP server that only reads a POST's body and answers GET
//     with LMX_BENCH_BYTES bytes from memory (the first `?bytes=` of them if given); prints
//     its URL.
// Either prints one JSON line once it listens, and runs until killed.
import http from "node:http"
import { type AddressInfo } from "node:net"
import path from "node:path"

import { type StorageOptions } from "@lmx/supabase-local/db/open"
import { startLocalStack } from "@lmx/supabase-local/stack"
import { accessToken, STORAGE_FIXTURE_MIGRATIONS } from "@lmx/supabase-local/testing/storage"

const root = path.resolve(import.meta.dirname, "../..")
if (process.argv[2] === "bare") {
  const body = Buffer.alloc(Number(process.env.LMX_BENCH_BYTES ?? 0))
  const server = http.createServer((req, res) => {
    if (req.method === "GET") {
      const wanted = Number(new URL(req.url ?? "/", "http://localhost").searchParams.get("bytes"))
      const sent = wanted > 0 ? body.subarray(0, wanted) : body
      res.writeHead(200, { "content-length": sent.length })
      res.end(sent)
      return
    }
    req.resume()
    req.on("end", () => res.end("{}"))
  })
  // Its connection waits while the stack's runs go on: longer than Node's 5 s default, so
  // the client's next request never meets the server closing it.
  server.keepAliveTimeout = 120_000
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as AddressInfo
    console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }))
  })
} else if (process.argv[2] === "stack") {
  const stack = await startLocalStack({
    root,
    port: 0,
    storage: JSON.parse(process.env.LMX_BENCH_STORAGE ?? "{}") as StorageOptions,
    storageDir: process.env.LMX_BENCH_STORAGE_DIR,
    migrationsDir: STORAGE_FIXTURE_MIGRATIONS,
    seedFiles: [],
  })
  console.log(
    JSON.stringify({
      url: stack.url,
      anonKey: stack.keys.anonKey,
      token: await accessToken(stack, process.env.LMX_BENCH_USER ?? ""),
    })
  )
}
