-- The secret leaves the database only when the caller does not hold its key version
-- (migration 20261125000800): account_context, begin_order and find_order.
begin;
select plan(14);

insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-0000000000c1', 'carol@example.com'),
  ('00000000-0000-0000-0000-0000000000d2', 'dan@example.com');
select trading.save_exchange_account(
  '00000000-0000-0000-0000-0000000000c1', 'main', 'live', 'CAROLKEY-0001', 'CAROL-SECRET-1', '{}'
);
select trading.save_exchange_account(
  '00000000-0000-0000-0000-0000000000d2', 'main', 'live', 'DANKEY-0001', 'DAN-SECRET-1', '{}'
);

create temp table t_first on commit drop as
select trading.account_context('00000000-0000-0000-0000-0000000000c1', null) as r;
create temp table t_version on commit drop as
select r ->> 'key_version' as v from t_first;

select is((select r -> 'credentials' ->> 'secret' from t_first), 'CAROL-SECRET-1',
  'without a known key the credentials come');
select matches((select v from t_version), '^[0-9a-f-]{36}:1$',
  'key_version is the account id and the count of its key''s saves');

select is(
  trading.account_context('00000000-0000-0000-0000-0000000000c1', null, 0, false,
    (select v from t_version)) -> 'credentials',
  'null'::jsonb, 'with the current key version they are left out'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000c1', null, 0, false,
    (select v from t_version)) ->> 'key_version',
  (select v from t_version), 'and the version still comes'
);
select ok(
  trading.account_context('00000000-0000-0000-0000-0000000000c1', null, 0, false,
    (select v from t_version)) ? 'account',
  'the rest of the context is unchanged'
);

-- Another account's version, or a made-up one, does not hold back this account's secret.
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000d2', null, 0, false,
    (select v from t_version)) -> 'credentials' ->> 'secret',
  'DAN-SECRET-1', 'another account''s version gets this account''s credentials'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000c1', null, 0, false, 'x:1')
    -> 'credentials' ->> 'secret',
  'CAROL-SECRET-1', 'a wrong version gets the credentials'
);

-- begin_order and find_order take it the same way.
select is(
  trading.begin_order('00000000-0000-0000-0000-0000000000c1', null, 'carol-1',
    '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}', 30,
    (select v from t_version)) -> 'credentials',
  'null'::jsonb, 'begin_order with the current version leaves the secret out'
);
select is(
  trading.begin_order('00000000-0000-0000-0000-0000000000c1', null, 'carol-2',
    '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}', 30)
    -> 'credentials' ->> 'api_key',
  'CAROLKEY-0001', 'begin_order without it sends the credentials'
);
select is(
  trading.find_order('00000000-0000-0000-0000-0000000000c1', null, null, 'carol-1', 0, true,
    (select v from t_version)) -> 'credentials',
  'null'::jsonb, 'find_order with the current version leaves the secret out'
);
select is(
  trading.find_order('00000000-0000-0000-0000-0000000000c1', null, null, 'carol-1', 0, true,
    (select v from t_version)) -> 'order' ->> 'client_order_id',
  'carol-1', 'and still finds the order'
);

-- A re-save, even of the same API key with a corrected secret and within this transaction
-- (one now()), is a new version: the old one no longer holds the secret back.
select trading.save_exchange_account(
  '00000000-0000-0000-0000-0000000000c1', 'main', 'live', 'CAROLKEY-0001', 'CAROL-SECRET-2', '{}'
);
select isnt(
  trading.account_context('00000000-0000-0000-0000-0000000000c1', null) ->> 'key_version',
  (select v from t_version), 'a re-save changes the key version'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000c1', null, 0, false,
    (select v from t_version)) -> 'credentials' ->> 'secret',
  'CAROL-SECRET-2', 'the old version gets the corrected secret'
);

-- The batch readers (sync-orders, stream-fills) pass no version and always get the key.
select is(
  (select trading._account_ctx(a) -> 'credentials' ->> 'secret'
   from public.exchange_accounts a where a.user_id = '00000000-0000-0000-0000-0000000000c1'),
  'CAROL-SECRET-2', '_account_ctx(a) always carries the credentials'
);

select * from finish();
rollback;
