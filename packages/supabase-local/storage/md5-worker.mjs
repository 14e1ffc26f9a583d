// The MD5 behind an object's eTag, on a thread of its own (md5-thread.ts starts it): each job
// reads a file the main thread is writing, up to the bytes the main thread says are written,
// so the main thread never hashes and never copies a byte for it. Plain JavaScript, as
// db/pglite-worker.mjs is: a worker starts without the TypeScript loader of its parent.
import { createHash } from "node:crypto"
import { closeSync, openSync, readSync } from "node:fs"
import { parentPort } from "node:worker_threads"

const CHUNK = 1024 * 1024
const buffer = Buffer.allocUnsafe(CHUNK)
/** Open jobs by id: { fd, hash, read, failed }. */
const jobs = new Map()

function catchUp(job, upTo) {
  while (job.read < upTo) {
    const n = readSync(job.fd, buffer, 0, Math.min(CHUNK, upTo - job.read), job.read)
    if (n === 0) throw new Error(`the file ended at ${job.read} bytes, before ${upTo}`)
    job.hash.update(buffer.subarray(0, n))
    job.read += n
  }
}

function close(id, job) {
  jobs.delete(id)
  if (job?.fd !== undefined) {
    try {
      closeSync(job.fd)
    } catch {
      // already closed
    }
  }
}

// Messages: { id, file } opens a job; { id, upTo } hashes up to that many bytes;
// { id, upTo, end: "digest" | "abort" } finishes it and answers { id, digest } or { id, error }.
parentPort.on("message", ({ id, file, upTo, end }) => {
  let job = jobs.get(id)
  if (!job) {
    job = { fd: undefined, hash: createHash("md5"), read: 0, failed: undefined }
    jobs.set(id, job)
    try {
      job.fd = openSync(file, "r")
    } catch (error) {
      job.failed = String(error)
    }
  }
  if (end === "abort") return close(id, job)
  if (job.failed === undefined && typeof upTo === "number") {
    try {
      catchUp(job, upTo)
    } catch (error) {
      job.failed = String(error)
    }
  }
  if (end !== "digest") return
  close(id, job)
  parentPort.postMessage(
    job.failed === undefined ? { id, digest: job.hash.digest("hex") } : { id, error: job.failed }
  )
})
