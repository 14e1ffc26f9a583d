insert into public.users (id, username, team, age, mentor_id) values
  (1, 'ada', 'core', 36, null),
  (2, 'bob', 'core', 28, 1),
  (3, 'cyd', 'web', 41, 1),
  (4, 'dee', null, null, 3);

insert into public.best_friends (id, first_user, second_user) values
  (1, 1, 2),
  (2, 3, 1);

insert into public.orders (id, user_id, amount, status, shipped_at) values
  (1, 1, 10.50, 'paid', '2025-01-02'),
  (2, 1, 4.25, 'open', null),
  (3, 2, 20.00, 'paid', '2025-02-01'),
  (4, 3, 7.75, 'paid', null),
  (5, 3, 1.00, 'open', '2025-03-01');

insert into public.visits (id, user_id, day) values
  (1, 1, '2024-05-01'),
  (2, 1, '2025-05-01'),
  (3, 2, '2025-06-01');
