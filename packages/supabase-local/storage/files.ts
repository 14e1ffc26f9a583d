// The bytes of objects on disk, under the data directory: <root>/<bucket>/<version>, one file
// per object version, named by a random id so that an object's name never reaches the file
// system (no name can escape its bucket's folder). A write goes to <root>/.tmp first, is
// fsynced and renamed into place, and only then does the metadata commit; a crash leaves a
// temporary file or an unreferenced version, both removed by the sweep at boot.
import { createHash, randomUUID } from "node:crypto"
import { closeSync, fstatSync, openSync } from "node:fs"
import {
  copyFile,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
  type FileHandle,
} from "node:fs/promises"
import path from "node:path"

import { errors } from "./errors"
import { Md5Thread, type Md5Job } from "./md5-thread"

const TEMP = ".tmp"
const WRITE_BATCH = 1024 * 1024
/** Batches being written while the request goes on being read: 4 MB of a client's body. */
const MAX_IN_FLIGHT = 4
/** Bodies up to this size are hashed on the main thread: cheaper than the md5 thread's round trip. */
const INLINE_HASH_BYTES = 64 * 1024
/** While a body streams, the written part is flushed to disk every this many bytes. */
const SYNC_EVERY = 8 * 1024 * 1024

/** A bucket id as a folder name: percent-encoded, and never "." / ".." / ".tmp". */
function folderOf(bucket: string) {
  return encodeURIComponent(bucket).replace(/^\./, "%2E")
}

export class ObjectFiles {
  /** Hashes uploads for their eTags off the main thread. */
  readonly md5 = new Md5Thread()

  constructor(readonly root: string) {}

  pathOf(bucket: string, version: string) {
    if (!/^[0-9a-f-]{36}$/.test(version)) throw new Error(`not a version id: ${version}`)

    return path.join(this.root, folderOf(bucket), version)
  }

  async init() {
    await mkdir(path.join(this.root, TEMP), { recursive: true })
  }

  /**
   * Marks the folder as the given database's; false when another database marked it first
   * (its files are then left alone by the sweep).
   */
  async claim(instance: string): Promise<boolean> {
    const marker = path.join(this.root, ".instance")
    try {
      return (await readFile(marker, "utf8")).trim() === instance
    } catch {
      await writeFile(marker, `${instance}\n`)
      return true
    }
  }

  /** A writer for a new version; the caller commits or aborts it. */
  async create(limit: number | null): Promise<ObjectWriter> {
    const file = path.join(this.root, TEMP, randomUUID())
    const handle = await open(file, "wx", 0o600)

    return new ObjectWriter(file, handle, limit, this.md5)
  }

  /** Moves a finished writer's file into its bucket as `version`. */
  async commit(writer: ObjectWriter, bucket: string, version: string) {
    const target = this.pathOf(bucket, version)
    await mkdir(path.dirname(target), { recursive: true })
    await rename(writer.file, target)
  }

  /** Moves a finished file from elsewhere under the data directory (a TUS upload) into place. */
  async adopt(file: string, bucket: string, version: string) {
    const target = this.pathOf(bucket, version)
    await mkdir(path.dirname(target), { recursive: true })
    await rename(file, target)
  }

  /** A copy of a version as a new version (a hard link: versions are never written again). */
  async duplicate(
    from: { bucket: string; version: string },
    to: { bucket: string; version: string }
  ) {
    const target = this.pathOf(to.bucket, to.version)
    await mkdir(path.dirname(target), { recursive: true })
    try {
      await link(this.pathOf(from.bucket, from.version), target)
    } catch {
      await copyFile(this.pathOf(from.bucket, from.version), target)
    }
  }

  async remove(bucket: string, version: string | null | undefined) {
    if (!version) return
    await rm(this.pathOf(bucket, version), { force: true })
  }

  /** Removals started by removeLater and not finished yet. */
  private readonly removing = new Set<Promise<void>>()

  /**
   * Removes a replaced version's bytes once the current reply has been sent (the removal is
   * queued behind the reply's own work), as hosted Storage deletes an upsert's old version
   * from a queue after answering. A reader that already has the file open reads it to the
   * end (an unlinked file lives while it is open); one that read the row but not yet opened
   * the file finds it gone and reads the row again (sendObject). A crash before the removal
   * leaves an unreferenced version, which the sweep at boot removes.
   */
  removeLater(bucket: string, version: string | null | undefined) {
    if (!version) return
    const removal = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.remove(bucket, version))
      .catch(() => undefined)
      .finally(() => this.removing.delete(removal))
    this.removing.add(removal)
  }

  /** Waits for every removal removeLater has started (before the stack stops). */
  async settled() {
    while (this.removing.size > 0) await Promise.all(this.removing)
  }

  async removeBucket(bucket: string) {
    await rm(path.join(this.root, folderOf(bucket)), { recursive: true, force: true })
  }

  /**
   * A version's file, open for reading, and its size; undefined when its bytes are gone.
   * Opened and measured synchronously: both take microseconds on a local file, while each
   * asynchronous call is a trip to the thread pool and back, and on a busy machine every
   * trip waits to be scheduled twice (two of the three trips a small download made before
   * its first byte). The caller closes the descriptor.
   */
  openForRead(bucket: string, version: string): { fd: number; size: number } | undefined {
    let fd: number
    try {
      fd = openSync(this.pathOf(bucket, version), "r")
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined
      throw error
    }
    try {
      return { fd, size: fstatSync(fd).size }
    } catch (error) {
      closeSync(fd)
      throw error
    }
  }

  /**
   * Removes what a crash can leave: temporary files, and versions no object row names
   * (renamed into place, but the metadata never committed). `known` lists the live
   * versions per bucket folder.
   */
  async sweep(known: Map<string, Set<string>>): Promise<number> {
    let removed = 0
    await rm(path.join(this.root, TEMP), { recursive: true, force: true })
    await mkdir(path.join(this.root, TEMP), { recursive: true })
    for (const entry of await readdir(this.root, { withFileTypes: true })) {
      // Dot folders are the stack's own (.tmp, .tus resumable uploads); buckets never start
      // with a dot (folderOf).
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue
      const live = known.get(entry.name)
      for (const file of await readdir(path.join(this.root, entry.name))) {
        if (live?.has(file)) continue
        await rm(path.join(this.root, entry.name, file), { force: true, recursive: true })
        removed++
      }
    }

    return removed
  }

  static folderOf = folderOf
}

/**
 * Streams one object's bytes to a temporary file, counting and enforcing the limit; the MD5 is
 * taken by the md5 thread reading the file behind the writes (md5-thread.ts).
 * Writes are pipelined: a batch goes to the thread pool while the next one is read from the
 * request, and the request waits only for the oldest batch when MAX_IN_FLIGHT are queued, so
 * the queue never drains to empty while the client is still sending (waiting for the whole
 * queue stalled the socket once per 4 MB). A batch is the request's own chunks written with
 * one writev, never copied into one buffer. Every SYNC_EVERY bytes the written part is
 * flushed to disk while the body goes on streaming, so the fsync before the row commits
 * waits only for the tail instead of the whole object.
 */
export class ObjectWriter {
  size = 0
  /** Bytes the writes have put in the file (the md5 thread may read up to here). */
  private written = 0
  private syncedUpTo = 0
  private syncing: Promise<void> | undefined
  private md5: Md5Job | undefined
  private pending: Buffer[] = []
  private pendingSize = 0
  private closed = false
  /** Set by finish for a small body: hashed here, so no job on the md5 thread. */
  private hashedInline = false
  /** The queued batches' completions, oldest first (they complete in order). */
  private queue: Promise<void>[] = []
  private chain: Promise<void> = Promise.resolve()
  private failure: unknown = undefined

  constructor(
    readonly file: string,
    private readonly handle: FileHandle,
    private readonly limit: number | null,
    private readonly md5Thread: Md5Thread
  ) {}

  async write(chunk: Buffer) {
    if (this.failure !== undefined) throw this.failure
    this.size += chunk.length
    if (this.limit !== null && this.size > this.limit) throw errors.entityTooLarge()
    // Request chunks are fresh buffers (one per socket read, never reused), so they are kept
    // as they are; gathered into writes of about 1 MB, a large upload costs a few dozen trips
    // to the thread pool instead of thousands.
    this.pending.push(chunk)
    this.pendingSize += chunk.length
    if (this.pendingSize >= WRITE_BATCH) {
      this.flush()
      if (this.queue.length >= MAX_IN_FLIGHT) await this.queue[0]
      if (this.failure !== undefined) throw this.failure
    }
  }

  /** Queues what is pending behind the writes already under way (the file is written in order). */
  private flush() {
    if (this.pendingSize === 0) return
    if (!this.hashedInline) this.md5 ??= this.md5Thread.job(this.file)
    const batch = this.pending
    this.pending = []
    this.pendingSize = 0
    // Never rejects: a failed write is kept in `failure`, thrown by the next write or finish.
    const done: Promise<void> = this.chain.then(async () => {
      try {
        if (this.failure === undefined) {
          await this.writeAll(batch)
          this.md5?.written(this.written)
          this.syncInBackground()
        }
      } catch (error) {
        this.failure = error
      } finally {
        this.queue.shift()
      }
    })
    this.queue.push(done)
    this.chain = done
  }

  private syncInBackground() {
    if (this.syncing || this.written - this.syncedUpTo < SYNC_EVERY) return
    const upTo = this.written
    this.syncing = this.handle.datasync().then(
      () => {
        this.syncedUpTo = upTo
        this.syncing = undefined
      },
      (error: unknown) => {
        this.failure ??= error
        this.syncing = undefined
      }
    )
  }

  private async writeAll(batch: Buffer[]) {
    let buffers = batch
    while (buffers.length > 0) {
      const { bytesWritten } = await this.handle.writev(buffers)
      this.written += bytesWritten
      // A short write (rare on a regular file): go on from the first byte not written.
      let skip = bytesWritten
      const rest: Buffer[] = []
      for (const buffer of buffers) {
        if (skip >= buffer.length) skip -= buffer.length
        else {
          rest.push(skip > 0 ? buffer.subarray(skip) : buffer)
          skip = 0
        }
      }
      buffers = rest
    }
  }

  /** fsync and close; returns the eTag Storage reports (the MD5 of the bytes, quoted). */
  async finish(): Promise<string> {
    // A small body is hashed here, in less time than a round trip to the md5 thread.
    const inline = !this.md5 && this.size <= INLINE_HASH_BYTES ? createHash("md5") : undefined
    for (const chunk of inline ? this.pending : []) inline!.update(chunk)
    this.hashedInline = inline !== undefined
    this.flush()
    await this.chain
    await this.syncing
    if (this.failure !== undefined) throw this.failure
    const md5 = this.md5
    this.md5 = undefined
    const [digest] = await Promise.all([
      inline ? inline.digest("hex") : md5 ? md5.digest(this.size) : emptyMd5(),
      this.handle.sync(),
    ])
    await this.handle.close()
    this.closed = true

    return `"${digest}"`
  }

  async abort() {
    await this.chain
    await this.syncing
    this.md5?.abort()
    this.md5 = undefined
    if (!this.closed) {
      this.closed = true
      await this.handle.close().catch(() => undefined)
    }
    await rm(this.file, { force: true })
  }
}

const emptyMd5 = () => createHash("md5").digest("hex")
