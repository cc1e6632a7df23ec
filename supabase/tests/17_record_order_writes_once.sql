-- record_order (20261125000700) writes each row once: a fill is inserted with its position, the
-- order is updated once (answer and position_id together), and a replayed fill opens no
-- position. Row writes are counted by pg_stat_xact_user_tables (this transaction's own). The
-- answers leave out what only the database needs (raw, request).
begin;
select plan(11);

insert into auth.users (id, email) values ('00000000-0000-0000-0000-0000000000e1', 'erin@example.com');
do $setup$
begin
  perform trading.save_exchange_account('00000000-0000-0000-0000-0000000000e1', 'main', 'live', 'ERINKEY00001', 'erin-secret', '{}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000e1', null, 'w-buy',
    '{"symbol":"ETH/USDT","side":"buy","type":"market","amount":"2"}');
  perform trading.begin_order('00000000-0000-0000-0000-0000000000e1', null, 'w-sell',
    '{"symbol":"ETH/USDT","side":"sell","type":"market","amount":"2"}');
end
$setup$;

-- The buy's answer and fills, recorded once here and replayed below.
create temporary table buy as
select (select id from public.exchange_accounts
        where user_id = '00000000-0000-0000-0000-0000000000e1') as account,
       '{"id":"701","clientOrderId":"w-buy","timestamp":1700000000000,"status":"closed","symbol":"ETH/USDT","side":"buy","type":"market","amount":"2","filled":"2","remaining":"0","cost":"4000","average":"2000"}'::jsonb as answer,
       '[{"id":"t-701-1","order":"701","timestamp":1700000000000,"symbol":"ETH/USDT","side":"buy","price":"1999","amount":"1","cost":"1999"},
         {"id":"t-701-2","order":"701","timestamp":1700000000001,"symbol":"ETH/USDT","side":"buy","price":"2001","amount":"1","cost":"2001"}]'::jsonb as fills;

create temporary table writes_before as
select relname, n_tup_ins, n_tup_upd from pg_stat_xact_user_tables
where schemaname = 'public' and relname in ('orders', 'fills', 'positions');

select trading.record_order(b.account, b.answer, b.fills, 0.0001) as bought from buy b \gset

create temporary table writes_after as
select relname, n_tup_ins, n_tup_upd from pg_stat_xact_user_tables
where schemaname = 'public' and relname in ('orders', 'fills', 'positions');

create temporary view writes as
select a.relname, a.n_tup_ins - b.n_tup_ins as inserted, a.n_tup_upd - b.n_tup_upd as updated
from writes_after a join writes_before b using (relname);

select is((select inserted from writes where relname = 'fills'), 2::bigint, 'two fills inserted');
select is((select updated from writes where relname = 'fills'), 0::bigint, 'and never updated');
select is((select updated from writes where relname = 'orders'), 1::bigint,
  'the order is updated once, answer and position together');
select is((select inserted || '/' || updated from writes where relname = 'positions'), '1/2',
  'the position is opened once and moved once per fill');
select is(
  (select count(*) from public.fills f
   where f.exchange_order_id = '701' and f.position_id = (:'bought'::jsonb -> 'order' ->> 'position_id')::uuid),
  2::bigint,
  'each fill carries the order''s position'
);
select is(:'bought'::jsonb -> 'position' ->> 'quantity', '2', 'the answer holds the moved position');
select ok(
  not (:'bought'::jsonb -> 'order' ?| array['raw', 'request'])
  and not (trading.find_order('00000000-0000-0000-0000-0000000000e1', null, '701', null) -> 'order'
           ?| array['raw', 'request']),
  'record_order and find_order answer without the stored exchange answer and request'
);
select ok(
  (select raw ->> 'id' = '701' and request ->> 'symbol' = 'ETH/USDT' from public.orders
   where client_order_id = 'w-buy'),
  'which the order row keeps'
);

-- The position is sold out; the buy's fills come again (sync-orders, a stream replay).
select trading.record_order(
  (select id from public.exchange_accounts where user_id = '00000000-0000-0000-0000-0000000000e1'),
  '{"id":"702","clientOrderId":"w-sell","timestamp":1700000001000,"status":"closed","symbol":"ETH/USDT","side":"sell","type":"market","amount":"2","filled":"2","remaining":"0","cost":"4100","average":"2050"}',
  '[{"id":"t-702-1","order":"702","timestamp":1700000001000,"symbol":"ETH/USDT","side":"sell","price":"2050","amount":"2","cost":"4100"}]',
  0.0001) as sold \gset
select is(:'sold'::jsonb -> 'position' ->> 'status', 'closed', 'the sell closes the position');

select trading.record_order(b.account, b.answer, b.fills, 0.0001) as replayed from buy b \gset
select is((:'replayed'::jsonb ->> 'fills_recorded')::int, 0, 'the replayed fills are not recorded again');
select is(
  (select count(*) from public.positions p
   join public.exchange_accounts x on x.id = p.account_id
   where x.user_id = '00000000-0000-0000-0000-0000000000e1' and p.status = 'open'),
  0::bigint,
  'and open no empty position'
);

select * from finish();
rollback;
