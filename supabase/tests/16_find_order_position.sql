-- find_order (20261125000600) returns the stored order's position: the same row record_order
-- returned for it, and null for an order that moved no position.
begin;
select plan(4);

insert into auth.users (id, email) values ('00000000-0000-0000-0000-0000000000d1', 'dana@example.com');
do $setup$
begin
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000d1', 'main', 'live', 'DANAKEY00001', 'dana-secret', '{}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000d1', null, 'pos-1',
    '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"0.5"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000d1', null, 'pos-2',
    '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1","price":"10"}');
end
$setup$;

select trading.record_order(
  (select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000d1'),
  '{"id":"601","clientOrderId":"pos-1","timestamp":1700000000000,"status":"closed","symbol":"BTC/USDT","side":"buy","type":"market","amount":"0.5","filled":"0.5","remaining":"0","cost":"50","average":"100"}',
  '[{"id":"t-601-1","order":"601","timestamp":1700000000000,"symbol":"BTC/USDT","side":"buy","price":"100","amount":"0.5","cost":"50"}]',
  0.00001) as recorded \gset

select is(
  trading.find_order('00000000-0000-0000-0000-0000000000d1', null, null, 'pos-1') -> 'position',
  :'recorded'::jsonb -> 'position',
  'the filled order''s position is the row record_order returned'
);
select is(
  trading.find_order('00000000-0000-0000-0000-0000000000d1', null, '601', null) -> 'position' ->> 'quantity',
  '0.5',
  'found by exchange order id too'
);
select ok(
  (trading.find_order('00000000-0000-0000-0000-0000000000d1', null, null, 'pos-2') -> 'position') = 'null'::jsonb,
  'an order that moved no position has none'
);
select ok(
  (trading.find_order('00000000-0000-0000-0000-0000000000d1', null, null, 'nope') -> 'order') = 'null'::jsonb,
  'no such order: order null'
);

select * from finish();
rollback;
