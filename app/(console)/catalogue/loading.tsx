// Each console segment has its own loading boundary, none above them all, so that a page
// that answers not found (a missing session) can still send a real 404 status
// (docs/sessions.md, "Not found is a 404").
export { PageLoading as default } from "@/components/shell/page-loading"
