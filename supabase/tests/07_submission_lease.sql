-- Orders: the submission lease of begin_order, release_order, and fills recorded without
-- their order (fetch-my-trades).
begin;
select plan(11);

insert into auth.users (id, email) values ('00000000-0000-0000-0000-0000000000d4', 'dave@example.com');
select trading.save_exchange_account('00000000-0000-0000-0000-0000000000d4', 'main', 'live',
  'DAVEKEY00004', 'dave-secret', '{}') is not null as saved;

create temp table l1 on commit drop as
select trading.begin_order('00000000-0000-0000-0000-0000000000d4', null, 'lease-1',
  '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}', 30) as r;
select is((select (r ->> 'claimed')::boolean from l1), true, 'the request that creates an order holds its lease');
select ok((select (r -> 'order' ->> 'submit_lease_until')::timestamptz > now() from l1), 'the lease runs into the future');

select is(
  (trading.begin_order('00000000-0000-0000-0000-0000000000d4', null, 'lease-1',
    '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}') ->> 'claimed')::boolean,
  false, 'a second request while the lease runs does not get it'
);

update public.orders set submit_lease_until = now() - interval '1 second' where client_order_id = 'lease-1';
select is(
  (trading.begin_order('00000000-0000-0000-0000-0000000000d4', null, 'lease-1',
    '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}') ->> 'claimed')::boolean,
  true, 'after the lease ran out, the next request takes it over'
);
update public.orders set submit_lease_until = now() - interval '1 second' where client_order_id = 'lease-1';
select is(
  (trading.begin_order('00000000-0000-0000-0000-0000000000d4', null, 'lease-1',
    '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"2"}') ->> 'claimed')::boolean,
  false, 'a different body never takes the lease'
);

select trading.begin_order('00000000-0000-0000-0000-0000000000d4', null, 'lease-2',
  '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}') is not null as begun;
select is((trading.release_order((select id from public.exchange_accounts where key_hint = '0004'), 'lease-2') ->> 'released')::boolean,
  true, 'release_order forgets a pending order that never reached the exchange');
select is((select count(*)::int from public.orders where client_order_id = 'lease-2'), 0, 'its row is gone');

-- An order the exchange has is never released.
select trading.record_order((select id from public.exchange_accounts where key_hint = '0004'),
  '{"id":"901","clientOrderId":"lease-1","symbol":"BTC/USDT","side":"buy","type":"market","status":"open","amount":1,"filled":0,"timestamp":1700000000000}',
  '[]', 0.00001) is not null as recorded;
select is((trading.release_order((select id from public.exchange_accounts where key_hint = '0004'), 'lease-1') ->> 'released')::boolean,
  false, 'release_order keeps an order the exchange acknowledged');

-- Fills without their order: linked to the known order by exchange order id, recorded once.
create temp table f1 on commit drop as
select trading.record_order((select id from public.exchange_accounts where key_hint = '0004'), null,
  '[{"id":"t-1","order":"901","symbol":"BTC/USDT","side":"buy","price":100,"amount":0.5,"cost":50,"timestamp":1700000001000},
    {"id":"t-2","order":"999","symbol":"BTC/USDT","side":"buy","price":110,"amount":0.5,"cost":55,"timestamp":1700000002000}]',
  0.00001) as r;
select is((select (r ->> 'fills_recorded')::int from f1), 2, 'fills alone are recorded');
select is((select order_id from public.fills where exchange_trade_id = 't-1'),
  (select id from public.orders where client_order_id = 'lease-1'), 'a fill is linked to its known order');
select is(
  (trading.record_order((select id from public.exchange_accounts where key_hint = '0004'), null,
    '[{"id":"t-1","order":"901","symbol":"BTC/USDT","side":"buy","price":100,"amount":0.5,"cost":50,"timestamp":1700000001000}]',
    0.00001) ->> 'fills_recorded')::int,
  0, 'the same fill again records nothing'
);

select * from finish();
rollback;
