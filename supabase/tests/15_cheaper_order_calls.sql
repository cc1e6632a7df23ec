-- The order path's helpers, rewritten as plpgsql (20261125000500), answer as the SQL versions
-- did: null for no account, the same weight sums, no back-off once it passed, and '{}' for no
-- fees in other assets.
begin;
select plan(10);

insert into auth.users (id, email) values ('00000000-0000-0000-0000-0000000000c1', 'cora@example.com');
select trading.save_exchange_account('00000000-0000-0000-0000-0000000000c1', 'main', 'live',
  'CORAKEY00001', 'cora-secret', '{}') is not null as saved \gset

select ok(trading._find_account('00000000-0000-0000-0000-0000000000c1', 'nope') is null,
  'no account under that label: null');
select ok(trading._find_account('00000000-0000-0000-0000-0000000000c2', null) is null,
  'no account for that user: null');
select is((trading._find_account('00000000-0000-0000-0000-0000000000c1', null)).label, 'main',
  'no label finds the default account');

select is(trading._take_weight('test:cora', '2026-01-01 00:00:00+00', 5), 5, 'a new minute starts at the weight');
select is(trading._take_weight('test:cora', '2026-01-01 00:00:00+00', 7), 12, 'the same minute adds up');
select is(trading._take_weight('test:cora', '2026-01-01 00:01:00+00', 3), 3, 'the next minute starts over');

select trading.set_backoff('testnet', now() - interval '1 second', 'passed') is not null as set \gset
select ok(trading._backoff_until('testnet') is null, 'a back-off that passed is none');

select is(trading._add_fees('{}', null), '{}'::jsonb, 'no fees on either side: {}');
select is(trading._add_fees('{"BNB":"0.1"}', '{}'), '{"BNB":"0.1"}'::jsonb, 'fees kept when none is added');

select hasnt_index('public', 'orders', 'orders_user_idx',
  'orders_user_created_id_idx (user_id, created_at desc, id desc) serves what orders_user_idx did');

select * from finish();
rollback;
