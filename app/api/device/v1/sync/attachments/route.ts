import { z } from "zod"

import { dbId } from "@/lib/db-id"
import {
  attachmentItemSchema,
  attachmentsRequestSchema,
  type AttachmentResult,
  type AttachmentsResponse,
} from "@/lib/devices/attachments-schema"
import { BUCKETS } from "@/lib/storage/signed-urls"

import { authenticateDevice } from "../../_lib/authenticate"
import {
  handleDeviceRequest,
  jsonResponse,
  readJsonBodyAs,
  UpstreamError,
} from "../../_lib/http"
import { SYNC_ATTACHMENTS_BODY_LIMIT_BYTES } from "../../_lib/limits"

const attachedRowSchema = z.array(
  z.object({ id: dbId, object_path: z.string(), uploaded: z.boolean() })
)

// attach_message_file's refusals (supabase/migrations/…022000): the reason the agent reports.
const REFUSALS: Record<
  string,
  Extract<AttachmentResult, { status: "rejected" }>["reason"]
> = {
  "22023": "invalid",
  "54000": "too_large",
  P0002: "not_found",
}

/**
 * A device records the files it found next to messages it synced (attach_message_file, as the
 * device) and gets a signed upload URL for each file the console does not hold yet; the bytes
 * go straight to Storage, under the chat-attachments bucket's own limits and policies.
 */
export async function POST(request: Request) {
  return handleDeviceRequest("sync/attachments", async () => {
    const auth = await authenticateDevice(request)
    if (!auth.ok) return auth.response
    const { device } = auth

    const input = await readJsonBodyAs(
      request,
      attachmentsRequestSchema,
      SYNC_ATTACHMENTS_BODY_LIMIT_BYTES
    )
    if (!input.ok) return input.response

    const results: AttachmentResult[] = []
    for (const [index, raw] of input.value.attachments.entries()) {
      const item = attachmentItemSchema.safeParse(raw)
      if (!item.success) {
        const issue = item.error.issues[0]
        const field = issue?.path.map(String).join(".")
        results.push({
          index,
          status: "rejected",
          reason:
            field === "size_bytes"
              ? "too_large"
              : field === "mime_type"
                ? "type_not_allowed"
                : "invalid",
          message: `${field ? `${field}: ` : ""}${issue?.message ?? "invalid"}`,
        })
        continue
      }
      const { data, error } = await device.supabase.rpc("attach_message_file", {
        p_session_client_id: item.data.session_client_id,
        p_message_client_id: item.data.message_client_id,
        p_name: item.data.name,
        p_mime_type: item.data.mime_type,
        p_size_bytes: item.data.size_bytes,
        p_sha256: item.data.sha256,
      })
      const reason = error?.code ? REFUSALS[error.code] : undefined
      if (error && reason) {
        results.push({
          index,
          status: "rejected",
          reason,
          message: error.message,
        })
        continue
      }
      if (error) throw new UpstreamError("attach_message_file", error)
      const row = attachedRowSchema.parse(data)[0]
      if (!row) throw new UpstreamError("attach_message_file", "no row")
      if (row.uploaded) {
        results.push({ index, status: "stored", path: row.object_path })
        continue
      }
      // Signed as the device, so Storage checks the bucket's insert policy now; upsert lets
      // a cut upload be sent again.
      const signed = await device.supabase.storage
        .from(BUCKETS.chatAttachments)
        .createSignedUploadUrl(row.object_path, { upsert: true })
      if (signed.error)
        throw new UpstreamError("createSignedUploadUrl", signed.error)
      results.push({
        index,
        status: "upload",
        path: row.object_path,
        upload_url: signed.data.signedUrl,
      })
    }
    const response: AttachmentsResponse = { results }

    return jsonResponse(response)
  })
}
