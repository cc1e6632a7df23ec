-- Tenant limits: key health, per-account back-off, key fingerprints and the account cap,
-- request-weight budgets, the lease's end and the order path's client id pattern.
begin;
select plan(21);

insert into auth.users (id, email) values
  ('00000000-0000-0000-0000-0000000000e5', 'erin@example.com'),
  ('00000000-0000-0000-0000-0000000000f6', 'frank@example.com');
create temp table acct on commit drop as
select (trading.save_exchange_account('00000000-0000-0000-0000-0000000000e5', 'main', 'live',
  'ERINKEY00005', 'erin-secret', '{}') ->> 'id')::uuid as id;

-- Key health.
select trading.mark_key_failed((select id from acct), '-2015 key refused');
select throws_ok(
  $$select trading.account_context('00000000-0000-0000-0000-0000000000e5', null)$$,
  'P0001', 'EXCHANGE_AUTH_FAILED', 'a failed key answers EXCHANGE_AUTH_FAILED without a call to Binance'
);
select is(
  (select key_status from public.exchange_accounts where id = (select id from acct)),
  'failed', 'the account is marked failed'
);
select lives_ok(
  $$select trading.save_exchange_account('00000000-0000-0000-0000-0000000000e5', 'main', 'live',
    'ERINKEY00005', 'erin-secret-2', '{}')$$,
  'saving the key again works'
);
select is(
  (select key_status from public.exchange_accounts where id = (select id from acct)),
  'ok', 'and clears the mark'
);

-- Per-account back-off: extended, never shortened, visible in the account ctx.
select trading.set_account_backoff((select id from acct), now() + interval '30 seconds');
select trading.set_account_backoff((select id from acct), now() + interval '5 seconds');
select ok(
  (select order_backoff_until > now() + interval '20 seconds' from public.exchange_accounts
   where id = (select id from acct)),
  'an account back-off is never shortened'
);
select ok(
  trading.account_context('00000000-0000-0000-0000-0000000000e5', null) ->> 'account_backoff_until' is not null,
  'the account ctx carries the account back-off'
);
select is(
  trading.account_context('00000000-0000-0000-0000-0000000000e5', null) ->> 'backoff_until',
  null, 'and no environment back-off: nobody else is held'
);

-- Key fingerprints and the cap.
select throws_ok(
  $$select trading.save_exchange_account('00000000-0000-0000-0000-0000000000f6', 'main', 'live',
    'ERINKEY00005', 'x', '{}')$$,
  'P0001', 'VALIDATION_ERROR', 'another user cannot save a key that is saved'
);
select throws_ok(
  $$select trading.check_key_available('00000000-0000-0000-0000-0000000000f6', 'main', 'ERINKEY00005')$$,
  'P0001', 'VALIDATION_ERROR', 'nor have it checked against Binance'
);
select throws_ok(
  $$select trading.save_exchange_account('00000000-0000-0000-0000-0000000000e5', 'second', 'live',
    'ERINKEY00005', 'x', '{}')$$,
  'P0001', 'VALIDATION_ERROR', 'the same key under a second label is refused too'
);
select ok(
  (select key_fingerprint is not null and key_fingerprint not like '%ERINKEY%'
   from public.exchange_accounts where id = (select id from acct)),
  'the fingerprint is stored, the key is not'
);
update trading.limits_settings set max_accounts_per_user = 2;
select lives_ok(
  $$select trading.save_exchange_account('00000000-0000-0000-0000-0000000000e5', 'two', 'live',
    'ERINKEY00006', 'x', '{}')$$,
  'a second account is within the cap'
);
select throws_ok(
  $$select trading.save_exchange_account('00000000-0000-0000-0000-0000000000e5', 'three', 'live',
    'ERINKEY00007', 'x', '{}')$$,
  'P0001', 'VALIDATION_ERROR', 'a third is over it'
);

-- Request-weight budgets: 200 a minute, headroom 120 → ordinary calls may use 80.
update trading.limits_settings set user_weight_per_minute = 200, account_weight_per_minute = 1000,
  priority_headroom = 120;
select lives_ok(
  $$select trading.account_context('00000000-0000-0000-0000-0000000000e5', null, 80, false)$$,
  'an ordinary call within the budget'
);
select throws_ok(
  $$select trading.account_context('00000000-0000-0000-0000-0000000000e5', null, 1, false)$$,
  'P0001', 'RATE_LIMITED', 'an ordinary call past the headroom is refused'
);
select lives_ok(
  $$select trading.find_order('00000000-0000-0000-0000-0000000000e5', null, null, 'none', 4, true)$$,
  'a priority call (an order lookup) still goes through'
);
select is(
  (select used from trading.weight_usage where scope = 'user:00000000-0000-0000-0000-0000000000e5'),
  84, 'the refused call took nothing (its statement rolled back)'
);
select lives_ok(
  $$select trading.reserve_weight('00000000-0000-0000-0000-0000000000f6', 'live', 80)$$,
  'another user has a budget of its own'
);

-- begin_order: Binance Spot's client order id pattern; the lease's end; NOT_RECEIVED.
update trading.limits_settings set user_weight_per_minute = 1200, priority_headroom = 120;
update public.exchange_accounts set order_backoff_until = null where id = (select id from acct);
select throws_ok(
  $$select trading.begin_order('00000000-0000-0000-0000-0000000000e5', null, 'order:42',
    '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}')$$,
  'P0001', 'VALIDATION_ERROR', 'a client order id outside ^[a-zA-Z0-9-_]{1,36}$ is refused'
);
select trading.begin_order('00000000-0000-0000-0000-0000000000e5', null, 'erin-1',
  '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}');
select trading.end_order_lease((select id from acct), 'erin-1');
select is(
  (trading.begin_order('00000000-0000-0000-0000-0000000000e5', null, 'erin-1',
    '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}') ->> 'claimed')::boolean,
  true, 'once the lease ended, a retry takes it at once'
);
select trading.reject_order((select id from acct), 'erin-1', '{"code":"NOT_RECEIVED"}');
create temp table again on commit drop as
select trading.begin_order('00000000-0000-0000-0000-0000000000e5', null, 'erin-1',
  '{"symbol":"BTC/USDT","side":"buy","type":"market","amount":"1"}') as r;
select is(
  (select (r ->> 'claimed')::boolean and r -> 'order' ->> 'status' = 'pending' from again),
  true, 'an order never received is pending again, its lease held by the request that repeats it'
);

select * from finish();
rollback;
