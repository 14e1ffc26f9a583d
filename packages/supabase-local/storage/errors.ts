// Storage's error answers, as supabase/storage renders them (src/internal/errors/codes.ts,
// storage-error.ts and src/http/error-handler.ts): a body { statusCode, code, error, message }
// whose statusCode is the error's own status as a string, sent with HTTP 400 (500 for internal
// errors) unless the error sets the HTTP status itself (416 for ranges, 403 for a bad role).
// Only hosted's Iceberg routes answer with the body's status (respectStatusCode); every route
// this stack serves uses the default handler, so HTTP 400 is right here. storage-js reads the
// body's statusCode and code (its exists() looks for code NoSuchKey), not the HTTP status.
import { isPgError } from "../db/types"
import { type JwtError } from "../keys"

export class StorageApiError extends Error {
  readonly httpStatus: number

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly error: string = code,
    httpStatus?: number
  ) {
    super(message)
    this.httpStatus = httpStatus ?? (status >= 500 ? status : 400)
  }

  render() {
    return {
      statusCode: String(this.status),
      code: this.code,
      error: this.error,
      message: this.message,
    }
  }
}

export const errors = {
  noSuchBucket: () =>
    new StorageApiError(404, "NoSuchBucket", "Bucket not found", "Bucket not found"),
  noSuchKey: () => new StorageApiError(404, "NoSuchKey", "Object not found", "not_found"),
  noSuchUpload: () => new StorageApiError(404, "NoSuchUpload", "Upload not found"),
  /** A signed URL's token that does not verify (object.ts verifyObjectSignature). */
  invalidJwt: (message = "Invalid JWT") => new StorageApiError(400, "InvalidJWT", message),
  /** The routes' header schema failing (Fastify's validation error, mapped to InvalidRequest). */
  missingAuthorization: () =>
    new StorageApiError(
      400,
      "InvalidRequest",
      "headers must have required property 'authorization'",
      "Error"
    ),
  accessDenied: (message = "Access denied") =>
    new StorageApiError(403, "AccessDenied", message, "Unauthorized"),
  rlsDenied: () =>
    new StorageApiError(
      403,
      "AccessDenied",
      "new row violates row-level security policy",
      "Unauthorized"
    ),
  alreadyExists: () =>
    new StorageApiError(409, "ResourceAlreadyExists", "The resource already exists", "Duplicate"),
  bucketAlreadyExists: () =>
    new StorageApiError(409, "BucketAlreadyExists", "The resource already exists", "Duplicate"),
  bucketNotEmpty: () =>
    new StorageApiError(409, "ResourceNotEmpty", "The bucket you tried to delete is not empty"),
  invalidBucketName: () =>
    new StorageApiError(400, "InvalidBucketName", "Bucket name invalid", "Invalid Input"),
  invalidKey: (key: string) =>
    new StorageApiError(400, "InvalidKey", `Invalid key: ${key.slice(0, 200)}`),
  invalidRequest: (message: string) => new StorageApiError(400, "InvalidRequest", message),
  missingParameter: (name: string) =>
    new StorageApiError(400, "MissingParameter", `Missing Required Parameter ${name}`),
  entityTooLarge: (limit = "the maximum allowed size") =>
    new StorageApiError(413, "EntityTooLarge", `The object exceeded ${limit}`, "Payload too large"),
  invalidMimeType: (type: string) =>
    new StorageApiError(
      415,
      "InvalidMimeType",
      `mime type ${type} is not supported`,
      "invalid_mime_type"
    ),
  invalidSignature: (message = "Invalid signature") =>
    new StorageApiError(400, "InvalidSignature", message),
  invalidParameter: (message: string) => new StorageApiError(400, "InvalidParameter", message),
  // range.ts invalidRangeHeaderError: 416 in the body and on the wire.
  invalidRange: () =>
    new StorageApiError(416, "InvalidRange", "invalid range provided", "invalid_range", 416),
  invalidFileSizeLimit: () =>
    new StorageApiError(
      400,
      "InvalidRequest",
      "Invalid file size format, hint: use 20GB / 20MB / 30KB / 3B"
    ),
  notFound: () => new StorageApiError(404, "NotFound", "Route not found", "Not Found"),
}

/**
 * The message hosted Storage passes on when jose rejects a token (it verifies with jose's
 * jwtVerify and forwards the error's message).
 */
export function joseMessage(error: JwtError): string {
  switch (error.reason) {
    case "expired":
      return '"exp" claim timestamp check failed'
    case "invalid_signature":
      return "signature verification failed"
    case "unsupported_alg":
      return '"alg" (Algorithm) Header Parameter value not allowed'
    case "malformed":
      return "Invalid Compact JWS"
  }
}

/** An API route's bearer token that does not verify: jwt.ts answers AccessDenied. */
export function rejectedToken(error: JwtError): StorageApiError {
  return errors.accessDenied(joseMessage(error))
}

/** A database error as Storage's DBError.fromDBError (src/storage/database/errors.ts) maps it. */
export function fromDatabaseError(error: unknown): StorageApiError {
  if (error instanceof StorageApiError) return error
  if (isPgError(error)) {
    if (error.code === "42501") {
      return errors.accessDenied(
        error.message.includes("row-level security")
          ? "new row violates row-level security policy"
          : error.message
      )
    }
    if (error.code === "23505") return errors.alreadyExists()
    if (error.code === "23503")
      return new StorageApiError(404, "InvalidRequest", "The related resource does not exist")
    if (error.code === "22P02")
      return errors.invalidParameter(
        error.message || "Invalid value format or type conversion failed"
      )
    // Hosted would answer DatabaseError (500) for these; a bad name is the client's fault here.
    if (error.code === "22021" || error.code === "54000")
      return errors.invalidRequest("Invalid Parameter value")
    if (error.code === "57014")
      return new StorageApiError(544, "DatabaseTimeout", "The connection to the database timed out")
  }
  throw error
}
