-- An exchange order id that comes back on a new order (testnet reset, simulator restart)
-- never blocks recording: the old row gives the id up and an alert is written.
begin;
select plan(5);

insert into auth.users (id, email) values ('00000000-0000-0000-0000-0000000000a7', 'gina@example.com');
create temp table acct on commit drop as
select (trading.save_exchange_account('00000000-0000-0000-0000-0000000000a7', 'main', 'testnet',
  'GINAKEY00007', 'gina-secret', '{}') ->> 'id')::uuid as id;

select trading.begin_order('00000000-0000-0000-0000-0000000000a7', null, 'before-reset',
  '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1","price":"100"}') is not null as begun;
select trading.record_order((select id from acct),
  '{"id":"7","clientOrderId":"before-reset","symbol":"BTC/USDT","side":"buy","type":"limit","status":"canceled","amount":1,"filled":0,"timestamp":1700000000000}',
  '[]', 0.00001) is not null as recorded;

select trading.begin_order('00000000-0000-0000-0000-0000000000a7', null, 'after-reset',
  '{"symbol":"BTC/USDT","side":"buy","type":"limit","amount":"1","price":"100"}') is not null as begun;
select lives_ok(
  $$select trading.record_order((select id from acct),
    '{"id":"7","clientOrderId":"after-reset","symbol":"BTC/USDT","side":"buy","type":"limit","status":"open","amount":1,"filled":0,"timestamp":1800000000000}',
    '[]', 0.00001)$$,
  'an order whose exchange id an older order holds is recorded'
);
select is(
  (select status || ':' || exchange_order_id from public.orders where client_order_id = 'after-reset'),
  'open:7', 'the new order has the id and its state'
);
select is(
  (select exchange_order_id from public.orders where client_order_id = 'before-reset'),
  null, 'the old order gave the id up'
);
select is(
  (select error ->> 'code' || ':' || status from public.orders where client_order_id = 'before-reset'),
  'EXCHANGE_ORDER_ID_REUSED:canceled', 'and keeps its state, with the reason'
);
select is(
  (select count(*)::int from trading.alerts where kind = 'exchange_order_id_reused'
     and account_id = (select id from acct)),
  1, 'an alert is written for operators'
);

select * from finish();
rollback;
