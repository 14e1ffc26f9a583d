-- Seed for the REST conformance suite; tests refer to these rows by id.
insert into public.authors (id, name, country, born) values
  (1, 'Ursula K. Le Guin', 'US', '1929-10-21'),
  (2, 'Stanisław Lem', 'PL', '1921-09-12'),
  (3, 'Octavia E. Butler', 'US', '1947-06-22'),
  (4, 'Anonymous', null, null);

insert into public.author_profiles (author_id, bio) values
  (1, 'Wrote Earthsea'),
  (2, 'Wrote Solaris');

insert into public.books (id, title, author_id, pages, tags, meta, published, price, summary) values
  (1, 'A Wizard of Earthsea', 1, 183, '{fantasy,classic}', '{"series": "Earthsea", "order": 1, "awards": ["Boston Globe"]}', true, 9.99, 'A young wizard named Ged'),
  (2, 'The Left Hand of Darkness', 1, 304, '{scifi,classic}', '{"series": "Hainish", "order": 4}', true, 12.50, 'An envoy on the planet Gethen'),
  (3, 'Solaris', 2, 204, '{scifi}', '{"series": null}', true, 11.00, 'A sentient ocean planet'),
  (4, 'The Cyberiad', 2, 295, '{scifi,humor}', null, false, null, 'Robot constructors'),
  (5, 'Kindred', 3, 264, '{}', '{"order": 1}', true, 10.25, 'Time travel to a plantation'),
  (6, 'Parable of the Sower', 3, 345, '{scifi,dystopia}', '{"series": "Parable", "order": 1}', false, 14.00, 'A drought-ridden California');

insert into public.genres (id, name) values (1, 'Fantasy'), (2, 'Science fiction'), (3, 'Humor');
insert into public.book_genres (book_id, genre_id) values (1, 1), (2, 2), (3, 2), (4, 2), (4, 3), (6, 2);

insert into public.people (id, name, manager_id) values
  (1, 'Ada', null), (2, 'Grace', 1), (3, 'Linus', 1), (4, 'Ken', 2);
insert into public.messages (id, sender_id, receiver_id, body) values
  (1, 1, 2, 'hello Grace'), (2, 2, 1, 'hi Ada'), (3, 3, 1, 'question');

insert into public.reservations (id, room, during) values
  (1, 'A', '[1,5)'), (2, 'A', '[5,10)'), (3, 'B', '[3,7)');

insert into public.counters (key, value, label) values ('visits', 10, 'Visits'), ('likes', 3, 'Likes');

insert into public.numbers (n) select generate_series(1, 150);

insert into public.notes (owner_id, body) values
  ('00000000-0000-0000-0000-00000000000a', 'alice note 1'),
  ('00000000-0000-0000-0000-00000000000a', 'alice note 2'),
  ('00000000-0000-0000-0000-00000000000b', 'bob note 1');

insert into public.staff_only (id, secret) values (1, 'classified');
insert into library.shelves (id, label) values (1, 'Top'), (2, 'Bottom');
insert into public.tags (id, slug, hits) values (1, 'classic', 5);
