-- orders_to_sync ages and grouping, the markets cache TTL, back-off never shortened.
begin;
select plan(19);

insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-0000000000a1', 'alice@example.com'),
  ('00000000-0000-0000-0000-0000000000b2', 'bob@example.com');
do $setup$
begin
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000a1', 'main', 'live', 'ALICEKEY0001', 'alice-secret', '{}');
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000b2', 'main', 'testnet', 'BOBKEY000002', 'bob-secret', '{}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'young', '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'old', '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'resting', '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1","price":"1"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'done', '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000b2', null, 'bob-old', '{"symbol":"ETH/USDT","side":"buy","type":"market","amount":"1"}');
end
$setup$;
-- No request holds these orders any more (the lease is tested in 07_submission_lease.sql).
update public.orders set submit_lease_until = null
where client_order_id in ('young', 'old', 'resting', 'done', 'bob-old');
update public.orders set created_at = pg_catalog.now() - interval '2 minutes', updated_at = pg_catalog.now() - interval '2 minutes'
where client_order_id in ('old', 'bob-old');
update public.orders set status = 'open', exchange_order_id = '1' where client_order_id = 'resting';
update public.orders set status = 'closed', exchange_order_id = '2', created_at = pg_catalog.now() - interval '1 hour'
where client_order_id = 'done';

create temp table t_a on commit drop as
select trading.orders_to_sync('00000000-0000-0000-0000-0000000000a1', 60, 100) as r;
select is((select pg_catalog.jsonb_array_length(r) from t_a), 1, 'one group for one user with one account');
select is(
  (select pg_catalog.jsonb_agg(o ->> 'client_order_id' order by o ->> 'client_order_id')
   from t_a, pg_catalog.jsonb_array_elements(r -> 0 -> 'orders') o),
  '["old","resting"]'::jsonb, 'pending older than the age and open orders; not young or final ones'
);
select is((select r -> 0 -> 'credentials' ->> 'api_key' from t_a), 'ALICEKEY0001', 'each group carries its credentials');
select is((select r -> 0 -> 'account' ->> 'environment' from t_a), 'live', 'each group carries its account');

-- (other users' rows may exist when run against a live stack: count only ours)
create temp table t_all on commit drop as select trading.orders_to_sync(null, 60, 100000) as r;
select is(
  (select count(*)::int from t_all, pg_catalog.jsonb_array_elements(r) g
   where g -> 'account' ->> 'label' = 'main'
     and (g -> 'account' ->> 'id')::uuid in (select id from public.exchange_accounts
       where user_id in ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b2'))),
  2, 'user null: every user''s accounts'
);
select is(
  (select count(*)::int from t_all, pg_catalog.jsonb_array_elements(r) g, pg_catalog.jsonb_array_elements(g -> 'orders') o
   where o ->> 'user_id' in ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b2')),
  3, 'user null: every order to settle'
);
select is(
  (select count(*)::int from pg_catalog.jsonb_array_elements(trading.orders_to_sync(null, 0, 100000)) g,
                             pg_catalog.jsonb_array_elements(g -> 'orders') o
   where o ->> 'user_id' in ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-0000000000b2')),
  4, 'age 0 includes the young pending order'
);
select is(
  (select count(*)::int from pg_catalog.jsonb_array_elements(trading.orders_to_sync(null, 60, 1)) g,
                             pg_catalog.jsonb_array_elements(g -> 'orders')),
  1, 'the limit bounds the number of orders'
);
select is(
  trading.orders_to_sync('00000000-0000-0000-0000-0000000000b2', 600, 100),
  '[]'::jsonb, 'nothing old enough: empty array'
);

-- markets cache
select is(trading.get_markets('pgtap:test', 3600), null, 'no markets cached yet');
select is(trading.put_markets('pgtap:test', '{"BTC/USDT":{"id":"BTCUSDT"}}') ->> 'source', 'pgtap:test', 'put_markets stores');
select is(trading.get_markets('pgtap:test', 3600), '{"BTC/USDT":{"id":"BTCUSDT"}}'::jsonb, 'fresh markets are returned');
update trading.markets_cache set fetched_at = pg_catalog.now() - interval '2 hours' where source = 'pgtap:test';
select is(trading.get_markets('pgtap:test', 3600), null, 'stale markets are not returned');
select is(trading.get_markets('pgtap:test', 86400), '{"BTC/USDT":{"id":"BTCUSDT"}}'::jsonb, 'a longer max age accepts them');

-- back-off (start from none; the transaction is rolled back)
delete from trading.exchange_backoff;
select is(
  (trading.set_backoff('live', pg_catalog.now() + interval '60 seconds', '429 /api/v3/order') ->> 'backoff_until')::timestamptz,
  pg_catalog.now() + interval '60 seconds', 'set_backoff records the back-off'
);
select is(
  (trading.set_backoff('live', pg_catalog.now() + interval '10 seconds', 'shorter') ->> 'backoff_until')::timestamptz,
  pg_catalog.now() + interval '60 seconds', 'a shorter back-off never shortens it'
);
select is(
  (trading.account_context('00000000-0000-0000-0000-0000000000a1', null) ->> 'backoff_until')::timestamptz,
  pg_catalog.now() + interval '60 seconds', 'the account ctx carries its environment''s back-off'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000b2', null) -> 'backoff_until',
  'null'::jsonb, 'other environments are not backed off'
);
select throws_ok(
  $$select trading.set_backoff('mainnet', pg_catalog.now(), null)$$,
  'P0001', 'VALIDATION_ERROR', 'unknown environment'
);

select * from finish();
rollback;
