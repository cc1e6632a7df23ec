-- accounts_to_stream: accounts with unsettled orders and those orders; stream_cover: the
-- lease that tells a stream run whether anyone listened to an account before it.
begin;
select plan(11);

insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-0000000005a1', 'stream-alice@example.com'),
  ('00000000-0000-0000-0000-0000000005b2', 'stream-bob@example.com');
do $setup$
begin
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000005a1', 'main', 'live', 'SALICEKEY001', 'alice-secret', '{}');
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000005a1', 'idle', 'live', 'SALICEKEY002', 'alice-secret2', '{}');
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000005b2', 'main', 'testnet', 'SBOBKEY00003', 'bob-secret', '{}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000005a1', 'main', 's-resting', '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1","price":"1"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000005a1', 'main', 's-pending', '{"symbol":"ETH/USDT","side":"buy","type":"limit","amount":"1","price":"1"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000005a1', 'idle', 's-done', '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000005b2', 'main', 's-bob', '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1","price":"1"}');
end
$setup$;
update public.orders set status = 'open', exchange_order_id = '501', filled = 0.25
where client_order_id = 's-resting';
update public.orders set status = 'closed', exchange_order_id = '502' where client_order_id = 's-done';

create temp table t_alice on commit drop as
select trading.accounts_to_stream('00000000-0000-0000-0000-0000000005a1', 100) as r;
select is((select pg_catalog.jsonb_array_length(r) from t_alice), 1,
  'only the account with open or pending orders is followed');
select is((select r -> 0 -> 'account' ->> 'label' from t_alice), 'main', 'the idle account is not');
select is(
  (select pg_catalog.jsonb_agg(o ->> 'client_order_id' order by o ->> 'client_order_id')
   from t_alice, pg_catalog.jsonb_array_elements(r -> 0 -> 'orders') o),
  '["s-pending","s-resting"]'::jsonb, 'open and pending orders, not final ones');
select is(
  (select (o ->> 'filled')::numeric from t_alice, pg_catalog.jsonb_array_elements(r -> 0 -> 'orders') o
   where o ->> 'client_order_id' = 's-resting'),
  0.25::numeric, 'with the quantity recorded as filled');
select is((select r -> 0 -> 'credentials' ->> 'api_key' from t_alice), 'SALICEKEY001',
  'with the credentials to subscribe');
select is(
  (select count(*)::int from pg_catalog.jsonb_array_elements(trading.accounts_to_stream(null, 100000)) g
   where (g -> 'account' ->> 'id')::uuid in (select id from public.exchange_accounts
     where user_id in ('00000000-0000-0000-0000-0000000005a1', '00000000-0000-0000-0000-0000000005b2'))),
  2, 'user null: every user''s followed accounts');

-- The lease.
create temp table t_ids on commit drop as
select pg_catalog.array_agg(id order by label) as ids from public.exchange_accounts
where user_id = '00000000-0000-0000-0000-0000000005a1';
select is(
  (select pg_catalog.jsonb_array_length(trading.stream_cover(ids, pg_catalog.now() + interval '6 seconds')) from t_ids),
  2, 'accounts never covered are reported lapsed');
select is(
  (select trading.stream_cover(ids, pg_catalog.now() + interval '6 seconds') from t_ids),
  '[]'::jsonb, 'a running lease is renewed, not reported');
update trading.stream_coverage set covered_until = pg_catalog.now() - interval '1 second'
where account_id = (select ids[1] from t_ids);
select is(
  (select trading.stream_cover(ids, pg_catalog.now() + interval '6 seconds') from t_ids),
  (select pg_catalog.jsonb_build_array(ids[1]) from t_ids), 'a lapsed lease is reported once');
select is(
  (select trading.stream_cover(array[pg_catalog.gen_random_uuid()], pg_catalog.now()) from t_ids),
  '[]'::jsonb, 'unknown accounts are ignored');

set local role authenticated;
select throws_ok(
  $$ select trading.accounts_to_stream(null, 10) $$, '42501', null,
  'not callable by signed-in users');
reset role;

select * from finish();
rollback;
