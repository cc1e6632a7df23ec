-- orders_to_sync and accounts_to_stream (migration 20261205000100): one aggregate per answer;
-- an account whose key cannot be used is left out alone; orders without raw and request;
-- the most overdue account first.
begin;
select plan(9);

insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-0000000019a1', 'ines@example.com'),
  ('00000000-0000-0000-0000-0000000019b2', 'jon@example.com'),
  ('00000000-0000-0000-0000-0000000019c3', 'kim@example.com');
create temp table accts on commit drop as
select u.name,
       (trading.save_exchange_account(u.id, 'main', 'live', u.key, u.name || '-secret', '{}')
          ->> 'id')::uuid as id,
       u.id as user_id
from (values
  ('ines', '00000000-0000-0000-0000-0000000019a1'::uuid, 'INESKEY00019'),
  ('jon', '00000000-0000-0000-0000-0000000019b2'::uuid, 'JONKEY000019'),
  ('kim', '00000000-0000-0000-0000-0000000019c3'::uuid, 'KIMKEY000019')
) as u(name, id, key);

-- Open orders, each with a stored exchange answer and request; jon's were checked longest ago
-- (never), then kim's, then ines's.
insert into public.orders (account_id, user_id, client_order_id, exchange_order_id, symbol, side,
                           type, status, raw, request, created_at, synced_at)
select a.id, a.user_id, a.name || '-' || i, a.name || i, 'BTC/USDT', 'buy', 'limit', 'open',
       '{"info":{"orderId":1}}', '{"symbol":"BTC/USDT"}', now() - make_interval(mins => 10 - i),
       case a.name when 'ines' then now() - interval '1 minute'
                   when 'kim' then now() - interval '5 minutes' end
from accts a, generate_series(1, 2) i;

create temp table mine on commit drop as
select b
from pg_catalog.jsonb_array_elements(trading.orders_to_sync(null, 0, 100000)) b
where (b -> 'account' ->> 'id')::uuid in (select id from accts);

select is((select count(*)::int from mine), 3, 'one batch per account');
select is(
  (select array_agg(a.name order by ord)
   from (select b -> 'account' ->> 'id' as id, row_number() over () as ord from mine) m
   join accts a on a.id::text = m.id),
  array['jon', 'kim', 'ines'],
  'the account whose orders waited longest comes first'
);
select ok(
  not exists (select from mine, pg_catalog.jsonb_array_elements(b -> 'orders') o
              where o ? 'raw' or o ? 'request' or o ? 'turn'),
  'orders come without the stored exchange answer, the request and the ranking'
);
select is(
  (select array_agg(o ->> 'client_order_id' order by o ->> 'client_order_id')
   from mine, pg_catalog.jsonb_array_elements(b -> 'orders') o
   where b -> 'credentials' ->> 'api_key' = 'JONKEY000019'),
  array['jon-1', 'jon-2'],
  'each batch carries its own account''s orders and key'
);

-- Kim's key is refused by Binance; Ines's secret is gone from Vault.
select trading.mark_key_failed((select id from accts where name = 'kim'), '-2015 Invalid API-key');
delete from vault.secrets
where id = (select vault_secret_id from public.exchange_accounts
            where id = (select id from accts where name = 'ines'));

select is(
  (select array_agg(b -> 'credentials' ->> 'api_key')
   from pg_catalog.jsonb_array_elements(trading.orders_to_sync(null, 0, 100000)) b
   where (b -> 'account' ->> 'id')::uuid in (select id from accts)),
  array['JONKEY000019'],
  'sync: an account with a refused or missing key is left out, the others are not'
);
select is(
  (select array_agg(b -> 'credentials' ->> 'api_key')
   from pg_catalog.jsonb_array_elements(trading.accounts_to_stream(null, 100000)) b
   where (b -> 'account' ->> 'id')::uuid in (select id from accts)),
  array['JONKEY000019'],
  'stream: an account with a refused or missing key is left out, the others are not'
);
select is(
  (select pg_catalog.jsonb_array_length(b -> 'orders')
   from pg_catalog.jsonb_array_elements(trading.accounts_to_stream(null, 100000)) b
   where b -> 'credentials' ->> 'api_key' = 'JONKEY000019'),
  2,
  'stream: the account comes with its unsettled orders'
);
select is(
  trading.orders_to_sync('00000000-0000-0000-0000-0000000019b2', 0, 0),
  '[]'::jsonb,
  'no candidates: an empty list, not null'
);
select is(
  trading.accounts_to_stream('00000000-0000-0000-0000-0000000019a1', 100),
  '[]'::jsonb,
  'no usable account: an empty list, not null'
);

select * from finish();
rollback;
