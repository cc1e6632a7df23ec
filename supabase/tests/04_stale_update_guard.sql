-- record_order never moves an order back: older answers are ignored, final states stay,
-- filled only grows.
begin;
select plan(16);

insert into auth.users (id, email) values ('00000000-0000-0000-0000-0000000000a1', 'alice@example.com');
do $setup$
begin
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000a1', 'main', 'live', 'ALICEKEY0001', 'alice-secret', '{}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'stale-1',
    '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1","price":"100"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'stale-2',
    '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1","price":"90"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000a1', null, 'stale-3',
    '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1","price":"80"}');
end
$setup$;

create function pg_temp.rec(p_order jsonb, p_trades jsonb default '[]')
returns jsonb language sql as $$
  select trading.record_order(
    (select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000a1'),
    p_order, p_trades, 0.00001)
$$;
create function pg_temp.o(p_client text) returns public.orders language sql as $$
  select * from public.orders where user_id = '00000000-0000-0000-0000-0000000000a1' and client_order_id = p_client
$$;

-- pending -> open, partly filled at T+2s
select is(
  pg_temp.rec('{"id":"501","clientOrderId":"stale-1","timestamp":1700000000000,"lastUpdateTimestamp":1700000002000,"status":"open","symbol":"BTC/USDT","side":"buy","type":"limit","price":100,"amount":1,"filled":"0.5","remaining":"0.5"}',
              '[{"id":"t-501-1","order":"501","timestamp":1700000002000,"symbol":"BTC/USDT","side":"buy","price":"100","amount":"0.5","cost":"50"}]')
    -> 'order' ->> 'status',
  'open', 'pending moves to open'
);
select is((pg_temp.o('stale-1')).exchange_order_id, '501', 'the exchange order id is stored');
select is((pg_temp.o('stale-1')).filled, 0.5::numeric, 'filled stored');

-- an older answer (T+1s) is ignored
select pg_temp.rec('{"id":"501","clientOrderId":"stale-1","timestamp":1700000000000,"lastUpdateTimestamp":1700000001000,"status":"open","symbol":"BTC/USDT","side":"buy","type":"limit","price":100,"amount":1,"filled":"0.2","remaining":"0.8"}') is not null as ignored \gset
select is((pg_temp.o('stale-1')).filled, 0.5::numeric, 'an older answer does not lower filled');
select is((pg_temp.o('stale-1')).remaining, 0.5::numeric, 'an older answer changes nothing');
select is((pg_temp.o('stale-1')).exchange_updated_at, pg_catalog.to_timestamp(1700000002), 'the newest exchange time is kept');

-- filled at T+3s
select pg_temp.rec('{"id":"501","clientOrderId":"stale-1","timestamp":1700000000000,"lastTradeTimestamp":1700000003000,"status":"closed","symbol":"BTC/USDT","side":"buy","type":"limit","price":100,"amount":1,"filled":1,"remaining":0,"average":100,"cost":100}',
  '[{"id":"t-501-2","order":"501","timestamp":1700000003000,"symbol":"BTC/USDT","side":"buy","price":"100","amount":"0.5","cost":"50"}]') is not null as closed \gset
select is((pg_temp.o('stale-1')).status, 'closed', 'open moves to closed');
select is((pg_temp.o('stale-1')).filled, 1::numeric, 'filled grows to 1');

-- a newer answer saying open does not reopen a closed order
select pg_temp.rec('{"id":"501","clientOrderId":"stale-1","timestamp":1700000000000,"lastUpdateTimestamp":1700000009000,"status":"open","symbol":"BTC/USDT","side":"buy","type":"limit","price":100,"amount":1,"filled":"0.7","remaining":"0.3"}') is not null as reopen \gset
select is((pg_temp.o('stale-1')).status, 'closed', 'a closed order is never reopened');
select is((pg_temp.o('stale-1')).filled, 1::numeric, 'filled never shrinks');

-- the same answer twice, and an answer with the same time, are accepted (idempotent)
select is(
  pg_temp.rec('{"id":"502","clientOrderId":"stale-2","timestamp":1700000000000,"status":"canceled","symbol":"BTC/USDT","side":"buy","type":"limit","price":90,"amount":1,"filled":0,"remaining":1}')
    -> 'order' ->> 'status',
  'canceled', 'pending moves to canceled'
);
select is(
  pg_temp.rec('{"id":"502","clientOrderId":"stale-2","timestamp":1700000000000,"lastUpdateTimestamp":1700000005000,"status":"open","symbol":"BTC/USDT","side":"buy","type":"limit","price":90,"amount":1,"filled":0,"remaining":1}')
    -> 'order' ->> 'status',
  'canceled', 'a canceled order is never reopened'
);

-- rejected stays rejected
select trading.reject_order((select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000a1'), 'stale-3', '{"code":"EXCHANGE_UNAVAILABLE"}') is not null as rejected \gset
select is(
  pg_temp.rec('{"id":"503","clientOrderId":"stale-3","timestamp":1700000000000,"status":"open","symbol":"BTC/USDT","side":"buy","type":"limit","price":80,"amount":1,"filled":0}')
    -> 'order' ->> 'status',
  'rejected', 'a rejected order is never reopened'
);

-- the fills of the order moved the position once each
select is(
  (select quantity from public.positions where user_id = '00000000-0000-0000-0000-0000000000a1' and symbol = 'BTC/USDT' and status = 'open'),
  1::numeric, 'the two fills moved the position once each'
);

-- an order we never began (found by sync) is recorded, found by exchange id next time
select is(
  pg_temp.rec('{"id":"777","clientOrderId":"web_abc","timestamp":1700000000000,"status":"open","symbol":"ETH/USDT","side":"sell","type":"limit","price":5000,"amount":1,"filled":0}')
    -> 'order' ->> 'status',
  'open', 'an unknown order is inserted'
);
select is(
  (pg_temp.rec('{"id":"777","timestamp":1700000000000,"lastUpdateTimestamp":1700000001000,"status":"canceled","symbol":"ETH/USDT","side":"sell","type":"limit","price":5000,"amount":1,"filled":0}')
    -> 'order' ->> 'client_order_id'),
  'web_abc', 'an answer without client id is matched by exchange order id'
);

select * from finish();
rollback;
