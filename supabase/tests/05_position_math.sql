-- Position math: buy-buy-sell partial, full close, base-asset fee, sell without position,
-- the same fill applied twice, dust, fees in other assets.
begin;
select plan(33);

insert into auth.users (id, email) values ('00000000-0000-0000-0000-0000000000a1', 'alice@example.com');
do $setup$
begin
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000a1', 'main', 'live', 'ALICEKEY0001', 'alice-secret', '{}');
end
$setup$;

-- Records a filled market order with one trade: (client id, symbol, side, amount, price,
-- fee cost, fee currency, ms time).
create function pg_temp.fill(
  p_id text, p_symbol text, p_side text, p_amount text, p_price text,
  p_fee text default null, p_fee_currency text default null, p_ms bigint default 1700000000000
) returns jsonb language sql as $$
  select trading.record_order(
    (select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000a1'),
    pg_catalog.jsonb_build_object(
      'id', 'ex-' || p_id, 'clientOrderId', p_id, 'timestamp', p_ms, 'status', 'closed',
      'symbol', p_symbol, 'side', p_side, 'type', 'market', 'amount', p_amount, 'filled', p_amount,
      'remaining', '0', 'average', p_price),
    pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
      'id', 't-' || p_id, 'order', 'ex-' || p_id, 'timestamp', p_ms, 'symbol', p_symbol,
      'side', p_side, 'price', p_price, 'amount', p_amount,
      'cost', (p_amount::numeric * p_price::numeric)::text,
      'fee', case when p_fee is null then null
                  else pg_catalog.jsonb_build_object('cost', p_fee, 'currency', p_fee_currency) end,
      'takerOrMaker', 'taker')),
    0.00001)
$$;
create function pg_temp.pos(p_symbol text) returns public.positions language sql as $$
  select * from public.positions where user_id = '00000000-0000-0000-0000-0000000000a1' and symbol = p_symbol and status = 'open'
$$;

-- 1. buy, buy, partial sell
select pg_temp.fill('b1', 'BTC/USDT', 'buy', '1', '100', '0.1', 'USDT', 1700000001000) is not null as b1 \gset
select is((pg_temp.pos('BTC/USDT')).quantity, 1::numeric, 'buy 1 @ 100: quantity 1');
select is((pg_temp.pos('BTC/USDT')).entry_price, 100::numeric, 'buy 1 @ 100: entry 100');
select is((pg_temp.pos('BTC/USDT')).realized_pnl, -0.1::numeric, 'a quote fee on a buy is a realized cost');
select pg_temp.fill('b2', 'BTC/USDT', 'buy', '1', '101', null, null, 1700000002000) is not null as b2 \gset
select is((pg_temp.pos('BTC/USDT')).quantity, 2::numeric, 'buy 1 @ 101: quantity 2');
select is((pg_temp.pos('BTC/USDT')).entry_price, 100.5::numeric, 'buy 1 @ 101: entry re-averaged to 100.5');
create temp table t_s1 on commit drop as
select pg_temp.fill('s1', 'BTC/USDT', 'sell', '0.5', '110', '0.055', 'USDT', 1700000003000) as r;
select is((pg_temp.pos('BTC/USDT')).quantity, 1.5::numeric, 'sell 0.5: quantity 1.5');
select is((pg_temp.pos('BTC/USDT')).entry_price, 100.5::numeric, 'a sell keeps the entry price');
select is((pg_temp.pos('BTC/USDT')).realized_pnl, 4.595::numeric, 'realized = -0.1 + (110 - 100.5) * 0.5 - 0.055');
select is((pg_temp.pos('BTC/USDT')).fees_quote, 0.155::numeric, 'fees in quote summed');
select is((select (r -> 'position' ->> 'quantity')::numeric from t_s1), 1.5::numeric, 'record_order returns the position');
select is(
  (select count(distinct position_id)::int from public.orders where user_id = '00000000-0000-0000-0000-0000000000a1' and client_order_id in ('b1', 'b2', 's1')),
  1, 'the three orders point at the same position'
);

-- 5. the same fill again (as create answer, fetch and sync would) moves nothing
select pg_temp.fill('s1', 'BTC/USDT', 'sell', '0.5', '110', '0.055', 'USDT', 1700000003000) is not null as again \gset
select trading.record_order(
  (select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000a1'),
  '{"id":"ex-s1","clientOrderId":"s1","timestamp":1700000003000,"status":"closed","symbol":"BTC/USDT","side":"sell","type":"market","amount":"0.5","filled":"0.5",
    "trades":[{"id":"t-s1","order":"ex-s1","symbol":"BTC/USDT","side":"sell","price":"110","amount":"0.5","cost":"55","fee":{"cost":"0.055","currency":"USDT"}}]}',
  null, 0.00001) is not null as embedded \gset
select is((pg_temp.pos('BTC/USDT')).quantity, 1.5::numeric, 'a fill seen twice does not move the quantity again');
select is((pg_temp.pos('BTC/USDT')).realized_pnl, 4.595::numeric, 'a fill seen twice does not realize again');
select is((select count(*)::int from public.fills where user_id = '00000000-0000-0000-0000-0000000000a1' and exchange_trade_id = 't-s1'), 1, 'a fill is stored once');

-- 2. full close to zero, then a new position
select pg_temp.fill('s2', 'BTC/USDT', 'sell', '1.5', '120', null, null, 1700000004000) is not null as s2 \gset
select is((pg_temp.pos('BTC/USDT')).id, null, 'no open position after selling everything');
select is(
  (select quantity from public.positions where user_id = '00000000-0000-0000-0000-0000000000a1' and symbol = 'BTC/USDT' and status = 'closed'),
  0::numeric, 'the closed position holds 0'
);
select is(
  (select realized_pnl from public.positions where user_id = '00000000-0000-0000-0000-0000000000a1' and symbol = 'BTC/USDT' and status = 'closed'),
  33.845::numeric, 'realized = 4.595 + (120 - 100.5) * 1.5'
);
select is(
  (select closed_at from public.positions where user_id = '00000000-0000-0000-0000-0000000000a1' and symbol = 'BTC/USDT' and status = 'closed'),
  pg_catalog.to_timestamp(1700000004), 'closed_at is the closing fill''s time'
);
select pg_temp.fill('b3', 'BTC/USDT', 'buy', '0.1', '130', null, null, 1700000005000) is not null as b3 \gset
select is((pg_temp.pos('BTC/USDT')).quantity, 0.1::numeric, 'the next buy opens a new position');
select is((pg_temp.pos('BTC/USDT')).entry_price, 130::numeric, 'the new position starts at its own entry');
select is((select count(*)::int from public.positions where user_id = '00000000-0000-0000-0000-0000000000a1' and symbol = 'BTC/USDT'), 2, 'two positions: one closed, one open');

-- 3. fee in the base asset
select pg_temp.fill('e1', 'ETH/USDT', 'buy', '1.001', '100', '0.001', 'ETH') is not null as e1 \gset
select is((pg_temp.pos('ETH/USDT')).quantity, 1::numeric, 'a base-asset fee reduces the quantity held');
select is((pg_temp.pos('ETH/USDT')).entry_price, 100::numeric, 'entry is the trade price');
select is((pg_temp.pos('ETH/USDT')).fees_base, 0.001::numeric, 'base fee recorded');
select is((pg_temp.pos('ETH/USDT')).realized_pnl, -0.1::numeric, 'the base fee is realized at the fill price');
select pg_temp.fill('e2', 'ETH/USDT', 'sell', '1', '110', '0.11', 'USDT') is not null as e2 \gset
select is(
  (select realized_pnl from public.positions where user_id = '00000000-0000-0000-0000-0000000000a1' and symbol = 'ETH/USDT' and status = 'closed'),
  9.79::numeric, 'realized = -0.1 + (110 - 100) * 1 - 0.11'
);

-- 4. sell without a position, and a sell beyond the quantity held
create temp table t_sol on commit drop as
select pg_temp.fill('x1', 'SOL/USDT', 'sell', '2', '50') as r;
select is((select r -> 'position' from t_sol), 'null'::jsonb, 'a sell without position moves no position');
select is((select r -> 'order' ->> 'status' from t_sol), 'closed', 'the order is recorded');
select ok(
  (select without_position and unmatched_amount = 2 and position_id is null from public.fills where user_id = '00000000-0000-0000-0000-0000000000a1' and exchange_trade_id = 't-x1'),
  'the fill is recorded and flagged'
);
select pg_temp.fill('x2', 'SOL/USDT', 'buy', '1', '40') is not null as x2 \gset
select pg_temp.fill('x3', 'SOL/USDT', 'sell', '1.5', '50') is not null as x3 \gset
select is(
  (select unmatched_amount from public.fills where user_id = '00000000-0000-0000-0000-0000000000a1' and exchange_trade_id = 't-x3'),
  0.5::numeric, 'the part of a sell beyond the position is flagged'
);
select is(
  (select realized_pnl from public.positions where user_id = '00000000-0000-0000-0000-0000000000a1' and symbol = 'SOL/USDT' and status = 'closed'),
  10::numeric, 'only the matched part is realized'
);

-- dust: at or below the amount step closes the position
select pg_temp.fill('d1', 'XRP/USDT', 'buy', '1', '10') is not null as d1 \gset
select pg_temp.fill('d2', 'XRP/USDT', 'sell', '0.999995', '10') is not null as d2 \gset
select ok(
  (select status = 'closed' and quantity = 0.000005 from public.positions where user_id = '00000000-0000-0000-0000-0000000000a1' and symbol = 'XRP/USDT'),
  'a quantity below the step (dust) closes the position'
);

-- fees in a third asset
select pg_temp.fill('n1', 'ADA/USDT', 'buy', '10', '2', '0.0001', 'BNB') is not null as n1 \gset
select pg_temp.fill('n2', 'ADA/USDT', 'buy', '10', '2', '0.0002', 'BNB') is not null as n2 \gset
select is((pg_temp.pos('ADA/USDT')).fees_other, '{"BNB":"0.0003"}'::jsonb, 'fees in other assets are summed apart');

select * from finish();
rollback;
