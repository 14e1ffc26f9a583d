-- An invitation's preview is for the signed-in invitee only. /invite/[token] is a console page,
-- so a signed-out visitor signs in (or up) first and never calls this as anon; leaving a
-- security definer function executable by anon would only hand project names and invited
-- addresses to anyone holding a leaked link, and is what splinter's anon-definer check forbids.
revoke execute on function ops.get_invitation(text) from anon;
