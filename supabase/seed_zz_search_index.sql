-- Last seed file: the demo's messages were loaded in statements larger than search indexes at
-- once, so their vectors are pending (docs/sessions.md, "Search indexing"). A restored
-- database is indexed before it is used, as a device API sweep would index it over minutes.
select private.index_message_search(null);
