// eTags are the MD5 of an object's bytes (as hosted Storage reports them). Hashing 50 MB takes
// the main thread ~100 ms it would otherwise spend reading sockets, so the hashing runs on one
// worker thread (md5-worker.mjs) that reads each upload's temporary file behind the writes:
// the main thread only says how far the file is written, and no byte is copied for the hash.
import { Worker } from "node:worker_threads"

type Answer = { id: number; digest?: string; error?: string }

/** One file being hashed as it is written; `written` is called after each write lands. */
export type Md5Job = {
  written(bytes: number): void
  /** The hex digest of the first `bytes` bytes, once the worker has read them. */
  digest(bytes: number): Promise<string>
  abort(): void
}

export class Md5Thread {
  private worker: Worker | undefined
  private nextId = 1
  private readonly waiting = new Map<
    number,
    { resolve(digest: string): void; reject(error: Error): void }
  >()

  private start(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(new URL("./md5-worker.mjs", import.meta.url))
    // An idle hasher never keeps the process alive; a job waiting on it holds a promise.
    worker.unref()
    worker.on("message", ({ id, digest, error }: Answer) => {
      const waiter = this.waiting.get(id)
      if (!waiter) return
      this.waiting.delete(id)
      if (digest !== undefined) waiter.resolve(digest)
      else waiter.reject(new Error(`md5 of an upload failed: ${error}`))
    })
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined
      for (const waiter of this.waiting.values()) waiter.reject(error)
      this.waiting.clear()
    }
    worker.on("error", fail)
    worker.on("exit", (code) => fail(new Error(`the md5 thread exited (${code})`)))
    this.worker = worker

    return worker
  }

  job(file: string): Md5Job {
    const worker = this.start()
    const id = this.nextId++
    worker.postMessage({ id, file })

    return {
      written: (bytes) => worker.postMessage({ id, upTo: bytes }),
      digest: (bytes) =>
        new Promise<string>((resolve, reject) => {
          // The thread died since the job began (its failure rejected the jobs waiting then).
          if (this.worker !== worker) return reject(new Error("the md5 thread stopped"))
          this.waiting.set(id, { resolve, reject })
          worker.postMessage({ id, upTo: bytes, end: "digest" })
        }),
      abort: () => worker.postMessage({ id, end: "abort" }),
    }
  }

  /** The digest of a whole file already on disk (a finished resumable upload). */
  file(file: string, bytes: number): Promise<string> {
    return this.job(file).digest(bytes)
  }

  async stop() {
    const worker = this.worker
    this.worker = undefined
    await worker?.terminate()
  }
}
