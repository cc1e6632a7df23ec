-- Live updates and exact decimals for frontends that read the tables directly.
--
-- Realtime: orders, fills and positions join the `supabase_realtime` publication, so a
-- signed-in frontend can subscribe to postgres_changes. Supabase Realtime checks each change
-- against the table's RLS policies ("Users read their own ...") before delivering it: a user
-- receives only their own rows. The publication exists on every Supabase project; it is
-- created here only where it is missing (plain Postgres, the local stack).
--
-- Exact decimals: PostgREST and Realtime send `numeric` columns as JSON numbers, which a
-- JavaScript client parses into floats (0.1 + 0.2 territory). The *_exact views carry the
-- same rows with every amount as text, exactly as stored, and the same RLS (security_invoker:
-- the view runs with the reader's rights, so the tables' policies apply). Realtime payloads
-- come from the tables: a frontend uses a change as a signal and re-reads the row from the
-- view (or from fetch-orders / fetch-positions) when it needs exact amounts.

do $publication$
begin
  if not exists (select from pg_catalog.pg_publication where pubname = 'supabase_realtime') then
    create publication supabase_realtime;
  end if;
  if not exists (
    select from pg_catalog.pg_publication_tables
    where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'orders'
  ) then
    alter publication supabase_realtime add table public.orders;
  end if;
  if not exists (
    select from pg_catalog.pg_publication_tables
    where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'fills'
  ) then
    alter publication supabase_realtime add table public.fills;
  end if;
  if not exists (
    select from pg_catalog.pg_publication_tables
    where pubname = 'supabase_realtime' and schemaname = 'public' and tablename = 'positions'
  ) then
    alter publication supabase_realtime add table public.positions;
  end if;
end
$publication$;

create view public.orders_exact
with (security_invoker = true)
as
select o.id, o.account_id, o.user_id, o.client_order_id, o.exchange_order_id, o.symbol, o.side,
       o.type, o.time_in_force,
       o.price::text as price,
       o.amount::text as amount,
       o.quote_amount::text as quote_amount,
       o.filled::text as filled,
       o.remaining::text as remaining,
       o.average::text as average,
       o.cost::text as cost,
       o.fee_cost::text as fee_cost,
       o.fee_currency, o.status, o.error, o.position_id, o.exchange_created_at,
       o.exchange_updated_at, o.created_at, o.updated_at
from public.orders o;
comment on view public.orders_exact is
  'public.orders with every amount as exact decimal text; RLS of public.orders applies (security_invoker).';

create view public.fills_exact
with (security_invoker = true)
as
select f.id, f.account_id, f.user_id, f.order_id, f.position_id, f.symbol, f.side,
       f.exchange_trade_id, f.exchange_order_id,
       f.price::text as price,
       f.amount::text as amount,
       f.cost::text as cost,
       f.fee_cost::text as fee_cost,
       f.fee_currency, f.taker_or_maker, f.executed_at,
       f.unmatched_amount::text as unmatched_amount,
       f.without_position, f.created_at
from public.fills f;
comment on view public.fills_exact is
  'public.fills with every amount as exact decimal text; RLS of public.fills applies (security_invoker).';

create view public.positions_exact
with (security_invoker = true)
as
select p.id, p.account_id, p.user_id, p.symbol, p.base_asset, p.quote_asset, p.status,
       p.quantity::text as quantity,
       p.entry_price::text as entry_price,
       p.realized_pnl::text as realized_pnl,
       p.fees_quote::text as fees_quote,
       p.fees_base::text as fees_base,
       p.fees_other, p.opened_at, p.closed_at, p.created_at, p.updated_at
from public.positions p;
comment on view public.positions_exact is
  'public.positions with every amount as exact decimal text; RLS of public.positions applies (security_invoker).';

revoke all on table public.orders_exact, public.fills_exact, public.positions_exact
  from public, anon, authenticated;
grant select on table public.orders_exact, public.fills_exact, public.positions_exact
  to authenticated;
grant select on table public.orders_exact, public.fills_exact, public.positions_exact
  to service_role;
