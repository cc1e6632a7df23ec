-- sync-orders takes turns: orders it checked go to the back of the line, so past p_limit open
-- orders every one is still looked at in its turn.
begin;
select plan(3);

insert into auth.users (id, email) values ('00000000-0000-0000-0000-0000000000b8', 'hank@example.com');
create temp table acct on commit drop as
select (trading.save_exchange_account('00000000-0000-0000-0000-0000000000b8', 'main', 'live',
  'HANKKEY00008', 'hank-secret', '{}') ->> 'id')::uuid as id;
insert into public.orders (account_id, user_id, client_order_id, exchange_order_id, symbol, side, type, status, created_at)
select (select id from acct), '00000000-0000-0000-0000-0000000000b8', 'turn-' || i, (100 + i)::text,
       'BTC/USDT', 'buy', 'limit', 'open', now() - make_interval(mins => 10 - i)
from generate_series(1, 3) i;

create temp table first_turn on commit drop as
select o ->> 'client_order_id' as cid
from jsonb_array_elements(trading.orders_to_sync('00000000-0000-0000-0000-0000000000b8', 0, 2)) b,
     jsonb_array_elements(b -> 'orders') o;
select is((select array_agg(cid order by cid) from first_turn), array['turn-1', 'turn-2'],
  'the first run takes the two orders never checked, oldest first');

select trading.mark_synced(array(select id from public.orders where client_order_id in ('turn-1', 'turn-2')));
select is(
  (select array_agg(o ->> 'client_order_id' order by o ->> 'client_order_id')
   from jsonb_array_elements(trading.orders_to_sync('00000000-0000-0000-0000-0000000000b8', 0, 2)) b,
        jsonb_array_elements(b -> 'orders') o),
  array['turn-1', 'turn-3'],
  'the next run starts with the one not checked yet'
);
select ok(
  (select synced_at is not null from public.orders where client_order_id = 'turn-1'),
  'checked orders carry when they were checked'
);

select * from finish();
rollback;
