-- Schema smoke: tables, RLS, privileges, definer functions, comments, no floats.
begin;
select plan(31);

select has_table('public', 'exchange_accounts', 'public.exchange_accounts exists');
select has_table('public', 'orders', 'public.orders exists');
select has_table('public', 'fills', 'public.fills exists');
select has_table('public', 'positions', 'public.positions exists');
select has_table('trading', 'markets_cache', 'trading.markets_cache exists');
select has_table('trading', 'exchange_backoff', 'trading.exchange_backoff exists');

select ok(
  (select bool_and(c.relrowsecurity) from pg_catalog.pg_class c
   where c.oid in ('public.exchange_accounts'::regclass, 'public.orders'::regclass,
                   'public.fills'::regclass, 'public.positions'::regclass)),
  'RLS is enabled on every public table'
);

select table_privs_are('public', 'exchange_accounts', 'anon', array[]::text[], 'anon has no privilege on exchange_accounts');
select table_privs_are('public', 'orders', 'anon', array[]::text[], 'anon has no privilege on orders');
select table_privs_are('public', 'fills', 'anon', array[]::text[], 'anon has no privilege on fills');
select table_privs_are('public', 'positions', 'anon', array[]::text[], 'anon has no privilege on positions');
select table_privs_are('public', 'exchange_accounts', 'authenticated', array['SELECT'], 'authenticated may only select exchange_accounts');
select table_privs_are('public', 'orders', 'authenticated', array['SELECT'], 'authenticated may only select orders');
select table_privs_are('public', 'fills', 'authenticated', array['SELECT'], 'authenticated may only select fills');
select table_privs_are('public', 'positions', 'authenticated', array['SELECT'], 'authenticated may only select positions');

select ok(not has_schema_privilege('anon', 'trading', 'usage'), 'anon cannot use schema trading');
select ok(not has_schema_privilege('authenticated', 'trading', 'usage'), 'authenticated cannot use schema trading');
select ok(has_schema_privilege('service_role', 'trading', 'usage'), 'service_role can use schema trading');
select ok(
  not has_table_privilege('authenticated', 'trading.markets_cache', 'select')
  and not has_table_privilege('authenticated', 'trading.exchange_backoff', 'select'),
  'internal tables are not readable by authenticated'
);

select ok(
  not exists (
    select from pg_catalog.pg_proc p
    where p.pronamespace = 'trading'::regnamespace
      and (has_function_privilege('anon', p.oid, 'execute')
           or has_function_privilege('authenticated', p.oid, 'execute'))
  ),
  'no trading function is executable by anon or authenticated'
);
select ok(
  (select bool_and(has_function_privilege('service_role', f, 'execute')) from unnest(array[
    'trading.save_exchange_account(uuid,text,text,text,text,jsonb)',
    'trading.delete_exchange_account(uuid,text)',
    'trading.list_exchange_accounts(uuid)',
    'trading.account_context(uuid,text,integer,boolean,text)',
    'trading.begin_order(uuid,text,text,jsonb,integer,text)',
    'trading.release_order(uuid,text)',
    'trading.record_order(uuid,jsonb,jsonb,numeric)',
    'trading.reject_order(uuid,text,jsonb)',
    'trading.find_order(uuid,text,text,text,integer,boolean,text)',
    'trading.check_key_available(uuid,text,text)',
    'trading.mark_key_failed(uuid,text)',
    'trading.set_account_backoff(uuid,timestamptz)',
    'trading.end_order_lease(uuid,text)',
    'trading.reserve_weight(uuid,text,integer)',
    'trading.backoff_state(text)',
    'trading.mark_synced(uuid[])',
    'trading.orders_to_sync(uuid,integer,integer)',
    'trading.get_markets(text,integer)',
    'trading.put_markets(text,jsonb)',
    'trading.set_backoff(text,timestamptz,text)'
  ]) f),
  'service_role can execute every API function'
);
select ok(
  not exists (
    select from pg_catalog.pg_proc p
    where p.pronamespace = 'trading'::regnamespace and p.proname not like '\_%'
      and has_function_privilege('service_role', p.oid, 'execute') is distinct from true
  ),
  'service_role can execute every public trading function'
);
select ok(
  not exists (
    select from pg_catalog.pg_proc p
    where p.pronamespace = 'trading'::regnamespace
      and p.proname not in ('_num', '_ms')
      and (not p.prosecdef or p.proconfig is distinct from array['search_path=""'])
  ),
  'every trading function is security definer with an empty search_path'
);
-- The two number helpers are inlined by the planner instead (migration
-- 20261125000400): pure immutable SQL, no table, no privilege of their own.
select ok(
  not exists (
    select from pg_catalog.pg_proc p
    where p.pronamespace = 'trading'::regnamespace and p.proname in ('_num', '_ms')
      and (p.prosecdef or p.proconfig is not null or p.provolatile <> 'i'
           or p.prolang <> (select oid from pg_catalog.pg_language where lanname = 'sql')
           or has_function_privilege('authenticated', p.oid, 'execute')
           or has_function_privilege('anon', p.oid, 'execute'))
  ),
  'the inlined number helpers are immutable SQL, not definer, not executable by users'
);

select ok(
  not exists (
    select from pg_catalog.pg_class c
    where c.oid in ('public.exchange_accounts'::regclass, 'public.orders'::regclass,
                    'public.fills'::regclass, 'public.positions'::regclass,
                    'trading.markets_cache'::regclass, 'trading.exchange_backoff'::regclass)
      and pg_catalog.obj_description(c.oid, 'pg_class') is null
  ),
  'every table has a comment'
);
select ok(
  not exists (
    select from information_schema.columns
    where table_schema in ('public', 'trading')
      and table_name in ('exchange_accounts', 'orders', 'fills', 'positions', 'markets_cache', 'exchange_backoff')
      and data_type in ('real', 'double precision')
  ),
  'no float columns'
);

select has_index('public', 'positions', 'positions_one_open_per_symbol', 'one open position per account and symbol');

set local role authenticated;
set local request.jwt.claims = '{"sub":"00000000-0000-0000-0000-0000000000a1","role":"authenticated"}';
select throws_ok(
  $$insert into public.orders (account_id, user_id, client_order_id, symbol, side, type)
    values (gen_random_uuid(), '00000000-0000-0000-0000-0000000000a1', 'x', 'BTC/USDT', 'buy', 'market')$$,
  '42501', null, 'authenticated cannot insert orders'
);
select throws_ok($$update public.positions set quantity = 0$$, '42501', null, 'authenticated cannot update positions');
select throws_ok($$delete from public.fills$$, '42501', null, 'authenticated cannot delete fills');
select throws_ok(
  $$select trading.list_exchange_accounts('00000000-0000-0000-0000-0000000000a1')$$,
  '42501', null, 'authenticated cannot call trading functions'
);
reset role;

select * from finish();
rollback;
