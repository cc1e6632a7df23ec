-- Orders: begin_order idempotency by client order id, reject_order, find_order.
begin;
select plan(24);

insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-0000000000a1', 'alice@example.com'),
  ('00000000-0000-0000-0000-0000000000b2', 'bob@example.com'),
  ('00000000-0000-0000-0000-0000000000c3', 'carol@example.com');
do $setup$
begin
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000a1', 'main', 'live', 'ALICEKEY0001', 'alice-secret', '{}');
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000b2', 'main', 'live', 'BOBKEY000002', 'bob-secret', '{}');
end
$setup$;

create temp table t1 on commit drop as
select trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'idem-1',
  '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"0.5","price":"100","time_in_force":"GTC"}') as r;

select is((select (r ->> 'created')::boolean from t1), true, 'a new client order id creates the order');
select is((select (r ->> 'matches')::boolean from t1), true, 'a new order matches its own request');
select is((select r -> 'order' ->> 'status' from t1), 'pending', 'the order starts pending');
select is((select (r -> 'order' ->> 'amount')::numeric from t1), 0.5::numeric, 'amount read from the request');
select is((select (r -> 'order' ->> 'price')::numeric from t1), 100::numeric, 'price read from the request');
select is((select r -> 'order' ->> 'time_in_force' from t1), 'GTC', 'time in force read from the request');
select is((select r -> 'credentials' ->> 'api_key' from t1), 'ALICEKEY0001', 'begin_order returns the credentials');
select ok((select r ? 'backoff_until' and r ? 'account' from t1), 'begin_order returns the account ctx');

create temp table t2 on commit drop as
select trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'idem-1',
  '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"0.5","price":"100","time_in_force":"GTC"}') as r;
select is((select (r ->> 'created')::boolean from t2), false, 'the same client order id does not create another order');
select is((select (r ->> 'matches')::boolean from t2), true, 'the same request matches');
select is((select r -> 'order' ->> 'id' from t2), (select r -> 'order' ->> 'id' from t1), 'the same row is returned');

create temp table t3 on commit drop as
select trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'idem-1',
  '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"0.6","price":"100","time_in_force":"GTC"}') as r;
select is((select (r ->> 'created')::boolean from t3), false, 'a different body under the same id creates nothing');
select is((select (r ->> 'matches')::boolean from t3), false, 'a different body does not match (IDEMPOTENCY_CONFLICT)');
select is((select (r -> 'order' ->> 'amount')::numeric from t3), 0.5::numeric, 'the stored order is unchanged');
select is(
  (select count(*)::int from public.orders where user_id = '00000000-0000-0000-0000-0000000000a1' and client_order_id = 'idem-1'),
  1, 'one row per client order id'
);
select is(
  (trading.begin_order('00000000-0000-0000-0000-0000000000b2', null, 'idem-1',
    '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}') ->> 'created')::boolean,
  true, 'client order ids are per account'
);

select throws_ok(
  $$select trading.begin_order('00000000-0000-0000-0000-0000000000c3', null, 'x-1', '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}')$$,
  'P0001', 'CREDENTIALS_MISSING', 'begin_order without an account'
);
select throws_ok(
  $$select trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'bad id with spaces', '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}')$$,
  'P0001', 'VALIDATION_ERROR', 'an invalid client order id is rejected'
);
select throws_ok(
  $$select trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'x-2', '{"side":"buy","type":"market","amount":"1"}')$$,
  'P0001', 'VALIDATION_ERROR', 'a request without symbol is rejected'
);

-- reject_order
select is(
  (select r ->> 'status' from (select trading.reject_order(
    (select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000a1'),
    'idem-1', '{"code":"INSUFFICIENT_FUNDS","message":"Account has insufficient balance"}') as r) x),
  'rejected', 'reject_order marks a pending order rejected'
);
select is(
  (select error ->> 'code' from public.orders where client_order_id = 'idem-1' and user_id = '00000000-0000-0000-0000-0000000000a1'),
  'INSUFFICIENT_FUNDS', 'the error is stored'
);
select throws_ok(
  $$select trading.reject_order((select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000a1'), 'nope', '{}')$$,
  'P0001', 'ORDER_NOT_FOUND', 'reject_order of an unknown order'
);

-- find_order
select is(
  trading.find_order('00000000-0000-0000-0000-0000000000a1', null, null, 'idem-1') -> 'order' ->> 'id',
  (select r -> 'order' ->> 'id' from t1), 'find_order by client order id'
);
select is(
  trading.find_order('00000000-0000-0000-0000-0000000000a1', null, '999', 'nope') -> 'order',
  'null'::jsonb, 'find_order of an unknown order returns order null'
);

select * from finish();
rollback;
