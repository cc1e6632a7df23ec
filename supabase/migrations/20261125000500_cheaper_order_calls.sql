-- Cheaper SQL calls on the order path (issue #13), measured with bench/sql_calls.ts.
--
-- 1. A SQL-language function that the planner cannot inline (security definer, its own
--    search_path, or a body with a FROM clause) is parsed and planned again every time a
--    statement that calls it starts, i.e. on every call of begin_order: _find_account
--    (~65 µs of planning for a 5 µs index scan), _account_json (~35 µs), _backoff_until
--    (~35 µs) and _take_weight (~10 µs, twice) together cost begin_order ~0.15 ms before
--    any row was read. As plpgsql their statements' plans are cached per connection (as
--    trading._add_fees in 20261125000400). Same statements, same results, same volatility,
--    still security definer with an empty search_path; a no-row lookup still returns null.
-- 2. trading._add_fees(p.fees_other, '{}') runs on every fill (a query over jsonb_each) and,
--    with no fee in another asset on either side, can only answer '{}': it now answers that
--    without running the query.
-- 3. orders_user_idx (user_id, created_at desc) is a prefix of orders_user_created_id_idx
--    (user_id, created_at desc, id desc): every order row version (begin_order's insert,
--    record_order's two updates) paid for a second copy of the same index for nothing.
--
-- Nothing here changes what any function returns or writes; grants are restated below.

create or replace function trading._find_account(p_user_id uuid, p_label text)
returns public.exchange_accounts
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  r public.exchange_accounts;
begin
  select a.* into r
  from public.exchange_accounts a
  where a.user_id = p_user_id
    and a.deleted_at is null
    and (case when p_label is null then a.is_default else a.label = p_label end);
  if not found then
    return null;
  end if;
  return r;
end
$$;

create or replace function trading._account_json(a public.exchange_accounts)
returns jsonb
language plpgsql
immutable
security definer
set search_path = ''
as $$
begin
  return pg_catalog.jsonb_build_object(
    'id', a.id,
    'label', a.label,
    'exchange', a.exchange,
    'environment', a.environment,
    'key_hint', a.key_hint,
    'permissions', a.permissions,
    'is_default', a.is_default,
    'created_at', a.created_at,
    'rotated_at', a.rotated_at,
    'updated_at', a.updated_at,
    'deleted_at', a.deleted_at
  );
end
$$;

create or replace function trading._backoff_until(p_environment text)
returns timestamptz
language plpgsql
stable
security definer
set search_path = ''
as $$
begin
  return (
    select b.backoff_until
    from trading.exchange_backoff b
    where b.environment = p_environment and b.backoff_until > pg_catalog.now()
  );
end
$$;

create or replace function trading._take_weight(p_scope text, p_window timestamptz, p_weight int)
returns int
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_used int;
begin
  insert into trading.weight_usage as w (scope, window_start, used)
  values (p_scope, p_window, p_weight)
  on conflict (scope) do update
    set used = case when w.window_start = excluded.window_start then w.used + excluded.used
                    else excluded.used end,
        window_start = excluded.window_start
  returning w.used into v_used;
  return v_used;
end
$$;

create or replace function trading._add_fees(p_a jsonb, p_b jsonb)
returns jsonb
language plpgsql
immutable
security definer
set search_path = ''
as $$
begin
  -- Nothing to sum (the usual fill: no fee in a third asset, none before): the query below
  -- would answer '{}' too.
  if coalesce(p_a, '{}'::jsonb) = '{}'::jsonb and coalesce(p_b, '{}'::jsonb) = '{}'::jsonb then
    return '{}'::jsonb;
  end if;
  return (
    select coalesce(pg_catalog.jsonb_object_agg(k, (s)::text), '{}'::jsonb)
    from (
      select e.key as k, sum(trading._num(e.value)) as s
      from (
        select * from pg_catalog.jsonb_each(coalesce(p_a, '{}'::jsonb))
        union all
        select * from pg_catalog.jsonb_each(coalesce(p_b, '{}'::jsonb))
      ) e
      group by e.key
    ) t
  );
end
$$;

drop index public.orders_user_idx;

-- Internal helpers: the owner (and the definer functions it owns) only, as before.
revoke all on function
  trading._find_account(uuid, text),
  trading._account_json(public.exchange_accounts),
  trading._backoff_until(text),
  trading._take_weight(text, timestamptz, int),
  trading._add_fees(jsonb, jsonb)
from public, anon, authenticated;
