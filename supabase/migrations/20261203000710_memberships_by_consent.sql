-- Security hardening (docs/security.md, "Membership only by consent"): a membership is created
-- by ops.create_project (the creator becomes owner) and by ops.accept_invitation (the invitee
-- consents with the token mailed to their confirmed address), never by a direct insert. The
-- old insert policy only checked the inserter's rank, so an owner could make any user id a
-- member, and that user's worker devices would then claim the owner's runs.
drop policy "Admins can add members up to their own role" on ops.project_memberships;
-- No policy already means no row; without the privilege the refusal is also explicit (42501
-- "permission denied") rather than a policy violation, for every API role.
revoke insert on ops.project_memberships from anon, authenticated;
