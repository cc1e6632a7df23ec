-- History reads: a user's orders and positions from Postgres, for fetch-orders and
-- fetch-positions.
--
-- Both functions list newest first with keyset pagination: the caller passes the sort key
-- and id of the last row it received (the functions wrap them in an opaque cursor) and gets
-- the rows strictly after it, so pages never skip or repeat a row while new ones arrive.
-- Numerics leave as JSON numbers inside jsonb; the function layer reads them back as exact
-- decimal text (never through a float). An account label narrows the list to that account
-- (deleted accounts included: their history stays); no label means every account of the
-- user. Only service_role may call them; users reading their own rows through the API use
-- the tables or the *_exact views under RLS instead.

create function trading.list_orders(
  p_user_id uuid,
  p_label text,
  p_symbol text,
  p_status text,
  p_side text,
  p_since timestamptz,
  p_until timestamptz,
  p_cursor_at timestamptz,
  p_cursor_id uuid,
  p_limit int,
  p_with_fills boolean
)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with page as (
    select o.*, a.label as account
    from public.orders o
    join public.exchange_accounts a on a.id = o.account_id
    where o.user_id = p_user_id
      and (p_label is null or a.label = p_label)
      and (p_symbol is null or o.symbol = p_symbol)
      and (p_status is null or o.status = p_status)
      and (p_side is null or o.side = p_side)
      and (p_since is null or o.created_at >= p_since)
      and (p_until is null or o.created_at < p_until)
      and (p_cursor_at is null or (o.created_at, o.id) < (p_cursor_at, p_cursor_id))
    order by o.created_at desc, o.id desc
    limit least(greatest(coalesce(p_limit, 50), 1), 100) + 1
  )
  select coalesce(
    pg_catalog.jsonb_agg(
      (pg_catalog.to_jsonb(p) - 'raw' - 'request')
        || case when p_with_fills then pg_catalog.jsonb_build_object('fills', coalesce((
          select pg_catalog.jsonb_agg(pg_catalog.to_jsonb(f) - 'raw' order by f.executed_at, f.id)
          from public.fills f
          where f.order_id = p.id
        ), '[]'::jsonb)) else '{}'::jsonb end
      order by p.created_at desc, p.id desc
    ),
    '[]'::jsonb
  )
  from page p
$$;
comment on function trading.list_orders(uuid, text, text, text, text, timestamptz, timestamptz, timestamptz, uuid, int, boolean) is
  'A user''s orders newest first (created_at, id), filtered, after a keyset cursor; one row more than the limit tells that a next page exists.';

create function trading.list_positions(
  p_user_id uuid,
  p_label text,
  p_status text,
  p_symbol text,
  p_cursor_at timestamptz,
  p_cursor_id uuid,
  p_limit int
)
returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with page as (
    -- Open positions sort by when they opened, closed ones by when they closed.
    select ps.*, a.label as account, a.environment as account_environment,
           coalesce(ps.closed_at, ps.opened_at) as sort_at
    from public.positions ps
    join public.exchange_accounts a on a.id = ps.account_id
    where ps.user_id = p_user_id
      and (p_label is null or a.label = p_label)
      and (p_status is null or ps.status = p_status)
      and (p_symbol is null or ps.symbol = p_symbol)
      and (p_cursor_at is null
           or (coalesce(ps.closed_at, ps.opened_at), ps.id) < (p_cursor_at, p_cursor_id))
    order by coalesce(ps.closed_at, ps.opened_at) desc, ps.id desc
    limit least(greatest(coalesce(p_limit, 50), 1), 100) + 1
  )
  select coalesce(
    pg_catalog.jsonb_agg(pg_catalog.to_jsonb(p) order by p.sort_at desc, p.id desc),
    '[]'::jsonb
  )
  from page p
$$;
comment on function trading.list_positions(uuid, text, text, text, timestamptz, uuid, int) is
  'A user''s positions, open ones by opened_at and closed ones by closed_at, newest first, after a keyset cursor; one row more than the limit tells that a next page exists.';

create index positions_user_sort_idx
  on public.positions (user_id, (coalesce(closed_at, opened_at)) desc, id desc);
create index orders_user_created_id_idx on public.orders (user_id, created_at desc, id desc);

revoke all on function
  trading.list_orders(uuid, text, text, text, text, timestamptz, timestamptz, timestamptz, uuid, int, boolean),
  trading.list_positions(uuid, text, text, text, timestamptz, uuid, int)
  from public, anon, authenticated;
grant execute on function
  trading.list_orders(uuid, text, text, text, text, timestamptz, timestamptz, timestamptz, uuid, int, boolean),
  trading.list_positions(uuid, text, text, text, timestamptz, uuid, int)
  to service_role;
