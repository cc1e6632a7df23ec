-- History reads (list_orders, list_positions), the Realtime publication and the exact views:
-- RLS decides what each user reads; amounts stay exact text; pages never skip a row.
begin;
select plan(27);

insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-0000000014a1', 'alice14@example.com'),
  ('00000000-0000-0000-0000-0000000014b2', 'bob14@example.com');

do $setup$
declare
  v_alice uuid;
  v_bob uuid;
begin
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000014a1', 'main', 'live', 'ALICEKEY1401', 'alice-secret', '{}');
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000014a1', 'spare', 'live', 'ALICEKEY1402', 'alice-secret2', '{}');
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000014b2', 'main', 'live', 'BOBKEY001403', 'bob-secret', '{}');
  v_alice := (select id from public.exchange_accounts
              where user_id = '00000000-0000-0000-0000-0000000014a1' and label = 'main');
  v_bob := (select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000014b2');
  -- Alice: a filled buy (price with a trailing zero and a value a float cannot hold), then a
  -- sell that closes the position, then a resting limit order on another symbol.
  perform trading.begin_order('00000000-0000-0000-0000-0000000014a1', 'main', 'a14-1', '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"0.3"}');
  perform trading.record_order(v_alice,
    '{"id":"11","clientOrderId":"a14-1","timestamp":1700000000000,"status":"closed","symbol":"BTC/USDT","side":"buy","type":"market","amount":0.3,"filled":0.3}',
    '[{"id":"a14-t1","order":"11","timestamp":1700000000000,"symbol":"BTC/USDT","side":"buy","price":"100.10","amount":"0.30000000000000004","cost":"30.03"}]',
    0.00000000000000001);
  perform trading.begin_order('00000000-0000-0000-0000-0000000014a1', 'main', 'a14-2', '{"symbol":"BTC/USDT","side":"sell","type":"market","amount":"0.30000000000000004"}');
  perform trading.record_order(v_alice,
    '{"id":"12","clientOrderId":"a14-2","timestamp":1700000100000,"status":"closed","symbol":"BTC/USDT","side":"sell","type":"market","amount":0.3,"filled":0.3}',
    '[{"id":"a14-t2","order":"12","timestamp":1700000100000,"symbol":"BTC/USDT","side":"sell","price":"110","amount":"0.30000000000000004","cost":"33"}]',
    0.00000000000000001);
  perform trading.begin_order('00000000-0000-0000-0000-0000000014a1', 'main', 'a14-3', '{"symbol":"ETH/USDT","side":"buy","type":"limit","amount":"1","price":"10"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000014a1', 'spare', 'a14-4', '{"symbol":"ETH/USDT","side":"buy","type":"limit","amount":"2","price":"10"}');
  -- Bob: one filled buy.
  perform trading.begin_order('00000000-0000-0000-0000-0000000014b2', null, 'b14-1', '{"symbol":"ETH/USDT","side":"buy","type":"market","amount":"2"}');
  perform trading.record_order(v_bob,
    '{"id":"21","clientOrderId":"b14-1","timestamp":1700000000000,"status":"closed","symbol":"ETH/USDT","side":"buy","type":"market","amount":2,"filled":2}',
    '[{"id":"b14-t1","order":"21","timestamp":1700000000000,"symbol":"ETH/USDT","side":"buy","price":"10","amount":"2","cost":"20"}]',
    0.0001);
  -- Distinct creation times, so that "newest first" is well defined.
  update public.orders set created_at = pg_catalog.now() - pg_catalog.make_interval(secs => 100 - pg_catalog.right(client_order_id, 1)::int)
  where client_order_id like 'a14-%';
end
$setup$;

-- The Realtime publication carries the three tables.
select ok(exists(select from pg_catalog.pg_publication where pubname = 'supabase_realtime'), 'the supabase_realtime publication exists');
select set_has(
  $$select tablename::text from pg_catalog.pg_publication_tables where pubname = 'supabase_realtime' and schemaname = 'public'$$,
  $$values ('orders'), ('fills'), ('positions')$$,
  'orders, fills and positions are published to Realtime'
);
select is(
  (select count(*)::int from pg_catalog.pg_class c
   where c.oid in ('public.orders_exact'::regclass, 'public.fills_exact'::regclass, 'public.positions_exact'::regclass)
     and 'security_invoker=true' = any (c.reloptions)),
  3, 'the exact views run with the reader''s rights (RLS applies)'
);

-- list_orders (service side)
select is(
  (select pg_catalog.jsonb_agg(o->>'client_order_id')
   from pg_catalog.jsonb_array_elements(trading.list_orders('00000000-0000-0000-0000-0000000014a1', null, null, null, null, null, null, null, null, 10, false)) o),
  '["a14-4", "a14-3", "a14-2", "a14-1"]'::jsonb,
  'list_orders: every account of the user, newest first, never another user''s'
);
select is(
  pg_catalog.jsonb_array_length(trading.list_orders('00000000-0000-0000-0000-0000000014a1', 'main', null, null, null, null, null, null, null, 10, false)),
  3, 'list_orders: one account by label'
);
select is(
  (select pg_catalog.jsonb_agg(o->>'client_order_id')
   from pg_catalog.jsonb_array_elements(trading.list_orders('00000000-0000-0000-0000-0000000014a1', null, 'BTC/USDT', 'closed', 'sell', null, null, null, null, 10, false)) o),
  '["a14-2"]'::jsonb,
  'list_orders: symbol, status and side filters combine'
);
select is(
  pg_catalog.jsonb_array_length(trading.list_orders('00000000-0000-0000-0000-0000000014a1', null, null, null, null, null, null, null, null, 2, false)),
  3, 'list_orders: one row more than the limit signals a next page'
);
select is(
  (select pg_catalog.jsonb_agg(o->>'client_order_id')
   from pg_catalog.jsonb_array_elements(trading.list_orders('00000000-0000-0000-0000-0000000014a1', null, null, null, null, null, null,
     (select created_at from public.orders where client_order_id = 'a14-3'),
     (select id from public.orders where client_order_id = 'a14-3'), 10, false)) o),
  '["a14-2", "a14-1"]'::jsonb,
  'list_orders: the cursor continues strictly after the last row'
);
select is(
  pg_catalog.jsonb_array_length(trading.list_orders('00000000-0000-0000-0000-0000000014a1', null, null, null, null,
    (select created_at from public.orders where client_order_id = 'a14-2'),
    (select created_at from public.orders where client_order_id = 'a14-4'), null, null, 10, false)),
  2, 'list_orders: since is inclusive, until exclusive'
);
select is(
  (select o->'fills'->0->>'exchange_trade_id'
   from pg_catalog.jsonb_array_elements(trading.list_orders('00000000-0000-0000-0000-0000000014a1', null, null, null, null, null, null, null, null, 10, true)) o
   where o->>'client_order_id' = 'a14-1'),
  'a14-t1', 'list_orders: fills on request'
);
select ok(
  not exists(select from pg_catalog.jsonb_array_elements(trading.list_orders('00000000-0000-0000-0000-0000000014a1', null, null, null, null, null, null, null, null, 10, false)) o
             where o ? 'fills' or o ? 'raw' or o ? 'request'),
  'list_orders: no fills unless asked, never the raw answer or the request'
);
select is(
  (select o->>'account' from pg_catalog.jsonb_array_elements(trading.list_orders('00000000-0000-0000-0000-0000000014a1', null, null, null, null, null, null, null, null, 10, false)) o
   where o->>'client_order_id' = 'a14-4'),
  'spare', 'list_orders: each order names its account'
);

-- list_positions (service side)
select is(
  (select pg_catalog.jsonb_agg(p->>'status')
   from pg_catalog.jsonb_array_elements(trading.list_positions('00000000-0000-0000-0000-0000000014a1', null, 'closed', null, null, null, 10)) p),
  '["closed"]'::jsonb, 'list_positions: alice''s closed position'
);
select is(
  pg_catalog.jsonb_array_length(trading.list_positions('00000000-0000-0000-0000-0000000014a1', null, 'open', null, null, null, 10)),
  0, 'list_positions: alice has no open position'
);
select is(
  (select p->>'symbol' from pg_catalog.jsonb_array_elements(trading.list_positions('00000000-0000-0000-0000-0000000014b2', null, 'open', null, null, null, 10)) p),
  'ETH/USDT', 'list_positions: bob''s open position'
);

-- Alice through the API roles: the views under RLS, exact text.
set local role authenticated;
set local request.jwt.claims = '{"sub":"00000000-0000-0000-0000-0000000014a1","role":"authenticated"}';
select is((select count(*)::int from public.orders_exact), 4, 'alice reads her 4 orders from orders_exact');
select is((select count(*)::int from public.orders_exact where client_order_id like 'b14-%'), 0, 'alice reads none of bob''s orders');
select is((select price from public.fills_exact where exchange_trade_id = 'a14-t1'), '100.10', 'fill price as exact text, trailing zero kept');
select is((select amount from public.fills_exact where exchange_trade_id = 'a14-t1'), '0.30000000000000004', 'fill amount exact where a float would round it');
select is(pg_catalog.pg_typeof((select realized_pnl from public.positions_exact limit 1))::text, 'text', 'positions_exact gives amounts as text');
select is((select count(*)::int from public.positions_exact), 1, 'alice reads her one position');
select is((select count(*)::int from public.fills_exact), 2, 'alice reads her two fills');
select throws_ok(
  $$select trading.list_orders('00000000-0000-0000-0000-0000000014b2', null, null, null, null, null, null, null, null, 10, false)$$,
  '42501', null, 'a user cannot call list_orders (nor read another user''s history through it)'
);
reset role;

-- Bob
set local role authenticated;
set local request.jwt.claims = '{"sub":"00000000-0000-0000-0000-0000000014b2","role":"authenticated"}';
select is((select count(*)::int from public.orders_exact), 1, 'bob reads only his order');
select is((select quantity from public.positions_exact), '2', 'bob reads his position quantity as text');
reset role;

-- anon reads nothing
set local role anon;
set local request.jwt.claims = '{"role":"anon"}';
select throws_ok($$select * from public.orders_exact$$, '42501', null, 'anon cannot read orders_exact');
select throws_ok($$select * from public.positions_exact$$, '42501', null, 'anon cannot read positions_exact');
reset role;

select * from finish();
rollback;
