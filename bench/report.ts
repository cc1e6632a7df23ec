/** Renders bench/report.json as bench/REPORT.md. */
// deno-lint-ignore-file no-explicit-any
type R = Record<string, any>;

const ms = (x: number | null | undefined) => (x === null || x === undefined ? "–" : `${x}`);

function latencyTable(section: R): string {
  const rows = [
    "| operation | floor: raw ccxt median / p95 / p99 (ms) | function over HTTP median / p95 / p99 (ms) | overhead (median, ms) |",
    "|---|---|---|---|",
  ];
  for (const op of Object.keys(section.warm)) {
    const f = section.floor[op];
    const w = section.warm[op];
    rows.push(
      `| ${op} | ${f.median} / ${f.p95} / ${f.p99} | ${w.median} / ${w.p95} / ${w.p99} | ${
        Math.round((w.median - f.median) * 100) / 100
      } |`,
    );
  }
  return rows.join("\n");
}

/** What idle RSS is made of (bench/main.ts, idleBreakdown). */
function idleTable(rows: { part: string; rss_mib: number }[]) {
  const floor = rows[0]?.rss_mib ?? 0;
  return `
What the idle figure is made of: a fresh process that imports only that part and reads its own RSS
(median of three), and what it adds to the empty process:

| imported | RSS (MiB) | over the empty process (MiB) |
|---|---|---|
${rows.map((r) => `| ${r.part} | ${r.rss_mib} | ${r.rss_mib - floor} |`).join("\n")}
`;
}

/** The account counts of the memory run after the first. */
const MEM_LABELS = (m: R) =>
  Object.keys(m).filter((k) => k.startsWith("after_")).slice(1).map((k) =>
    `${k.split("_")[1]} accounts`
  );

function throughputTable(list: R[]): string {
  const rows = [
    "| concurrent traders | orders | orders/s | median / p95 / p99 (ms) | CPU ms per order (all our processes) | by process (ms per order) | cores busy: ours / whole machine |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const t of list) {
    const by = t.by_process
      ? Object.entries(t.by_process as Record<string, number>).filter(([, v]) => v >= 0.01)
        .map(([k, v]) => `${k} ${v}`).join(", ")
      : "–";
    rows.push(
      `| ${t.users} | ${t.orders} | ${t.orders_per_second} | ${t.median} / ${t.p95} / ${t.p99} | ${
        ms(t.cpu_ms_per_order)
      } | ${by} | ${ms(t.our_cores_busy)} / ${ms(t.machine_cores_busy)} |`,
    );
  }
  return rows.join("\n");
}

const r2 = (x: number) => Math.round(x * 100) / 100;
const yes = (ok: boolean) => (ok ? "met" : "**not met**");

/** The goals of issue 13, each against this run's figures. */
function goalsTable(r: R): string {
  const z = r.latency_0ms;
  const co = z.warm["create-order"], cf = z.floor["create-order"];
  const readOps = ["fetch-order", "fetch-balance", "fetch-ticker"];
  const readOver = readOps.map((op) => r2(z.warm[op].median - z.floor[op].median));
  const t = (users: number) => z.throughput.find((x: R) => x.users === users);
  const o32 = z.original.throughput.find((x: R) => x.users === 32);
  const t32 = t(32), t128 = t(128);
  const cold = z.cold_markets_cached;
  const mem = z.memory;
  const memLast = Object.entries(mem).filter(([k]) => k.startsWith("after_")).pop();
  const small = z.memory_small_heap;
  const smallLast = small
    ? Object.entries(small).filter(([k]) => k.startsWith("after_")).pop()
    : undefined;
  const rows = [
    "| goal | measured in this run | |",
    "|---|---|---|",
    `| create-order overhead over raw ccxt, p50 ≤ 2 ms | ${
      r2(co.median - cf.median)
    } ms (${co.median} against ${cf.median})${
      designFloor(z) === undefined
        ? ""
        : `; the least this design can cost here: ${designFloor(z)} ms (below)`
    } | ${yes(co.median - cf.median <= 2)} |`,
    `| create-order overhead, p99 ≤ 10 ms | ${
      r2(co.p99 - cf.p99)
    } ms (${co.p99} against ${cf.p99}) | ${yes(co.p99 - cf.p99 <= 10)} |`,
    `| reads overhead p50 ≤ 1.5 ms (${readOps.join(", ")}) | ${readOver.join(" / ")} ms | ${
      yes(Math.max(...readOver) <= 1.5)
    } |`,
    `| ≥ 400 orders/s with 32 traders | ${t32?.orders_per_second} orders/s | ${
      yes(t32?.orders_per_second >= 400)
    } |`,
    `| 128 traders: at least the 32-trader rate, p50 ≤ 300 ms | ${t128?.orders_per_second} orders/s, p50 ${t128?.median} ms | ${
      yes(t128?.orders_per_second >= t32?.orders_per_second * 0.95 && t128?.median <= 300)
    } |`,
    `| ≥ 5× the original design at 32 traders | ${
      o32 ? r2(t32.orders_per_second / o32.orders_per_second) : "–"
    }× (${t32?.orders_per_second} against ${o32?.orders_per_second} orders/s) | ${
      yes(o32 && t32.orders_per_second >= 5 * o32.orders_per_second)
    } |`,
    `| CPU per order, all processes, 32 traders | ${t32?.cpu_ms_per_order} ms: this machine's ceiling is ~${
      t32?.cpu_ms_per_order ? Math.round((r.machine.cores * 1000) / t32.cpu_ms_per_order) : "–"
    } orders/s on ${r.machine.cores} cores; this run reached ${
      t32?.cpu_ms_per_order
        ? Math.round(
          (100 * t32.orders_per_second * t32.cpu_ms_per_order) / (r.machine.cores * 1000),
        )
        : "–"
    }% of it (see "cores busy" below) | |`,
    `| cold start to first order ≤ 300 ms (markets from Postgres) | ${cold.total_ms} ms | ${
      yes(cold.total_ms <= 300)
    } |`,
    `| memory idle ≤ 80 MB RSS | ${mem.idle_mib} MiB | ${yes(mem.idle_mib <= 80)} |`,
    `| memory after ${memLast?.[0].split("_")[1]} accounts ≤ 160 MB RSS, no failed request | ${
      memLast?.[1]
    } MiB with V8's old space capped at ${mem.heap_limit_mib} MB; ${
      smallLast?.[1] ?? "–"
    } MiB with ${small?.heap_limit_mib ?? "–"} MB and a ${
      small?.semi_space_mib ?? "–"
    } MB young generation; ${mem.failed_requests + (small?.failed_requests ?? 0)} failed | ${
      yes(
        Math.min(Number(memLast?.[1]), Number(smallLast?.[1] ?? Infinity)) <= 160 &&
          mem.failed_requests + (small?.failed_requests ?? 0) === 0,
      )
    }${
      Number(memLast?.[1]) > 160 && Number(smallLast?.[1]) <= 160 ? " (with the tighter heap)" : ""
    } |`,
  ];
  if (r.deploy) {
    for (const d of r.deploy.functions ?? []) {
      rows.push(
        `| deploy bundle ≤ 5 MB (brotli), ${d.name} | ${d.brotli_mb} MB | ${
          yes(d.brotli_mb <= 5)
        } |`,
      );
    }
  }
  return rows.join("\n");
}

export function renderReport(r: R): string {
  const z = r.latency_0ms;
  const l = r.latency_20ms;
  const m = r.machine;
  const cold = [z.cold_markets_cached, z.cold_markets_downloaded];
  return `# Benchmark report

Generated by \`deno task bench${r.quick ? " --quick" : ""}\` on ${r.date} in ${r.duration_s} s.
Machine: ${m.cores} cores (${m.cpu}), ${m.memory_gib} GiB; Deno ${m.deno}, ccxt ${m.ccxt},
${m.postgres}, Node ${m.node}.${
    m.empty_deno_start_ms === undefined
      ? ""
      : ` This VM's speed on the day: an empty Deno process starts in ${m.empty_deno_start_ms} ms, a fresh page of memory costs ${m.page_fault_us} µs.`
  } Everything on loopback: the local stack (Postgres, and the Binance
simulator with its full ${">"}1,000-symbol catalogue in one Deno process), the functions' gateway
in a Deno process of its own (as deployed functions do not share a process with Binance), the
bench client in another; other work may share the 2 cores, so compare figures within one run.
Load average (1, 5, 15 min) at the start: ${r.load_at_start ?? "?"}; at the end: ${
    r.load_at_end ?? "?"
  }. The throughput table shows how busy the whole machine was during each step.

## Goals (issue 13) against this run
${goalsTable(r)}

Before this work, for orientation only (another run, another day: bench/REPORT.md of
2026-11-24, same machine and bench): create-order 13.3 ms median against raw ccxt's 1.07 ms;
205 orders/s with 32 traders and 96 orders/s (median 1.3 s) with 128; cold start 606 ms;
memory 172 MiB idle, 268 MiB after 1,000 accounts.

## Pictures
![create-order latency distributions](latency.png)

![throughput against concurrent traders](throughput.png)

## Warm latency: the floor, the function, the overhead
The floor is raw ccxt (the product's factory, warm instance) calling the simulator; the function
is the same operation end to end over HTTP (JWT, validation, 2 SQL round trips, the exchange).
The create-order, fetch-order, fetch-balance and fetch-ticker rows alternate one floor call and
one function call, so both see the same machine; cancel-order measures the floor's cancels first,
then the function's.

${latencyTable(z)}

${pgTable(z.pg_functions)}

${breakdownTable(z, l)}

${floorOfDesignTable(z)}

${tlsTable(z.tls)}

With 20 ms added by the simulator to every request (a real network):

${latencyTable(l)}

## The original design (the first spec: a Node ccxt service behind Go)
A Node.js ccxt service spawned with \`npm run start\`, JSON-RPC over stdin/stdout, one request
at a time behind a mutex (bench/original/). Same simulator, same machine.

| | this product (create-order over HTTP) | original design |
|---|---|---|
| cold start to first order answered (ms) | ${z.cold_markets_cached.total_ms} (markets from Postgres) | ${z.original.cold_start_ms} |
| per order, warm, median / p95 (ms) | ${z.warm["create-order"].median} / ${
    z.warm["create-order"].p95
  } | ${z.original.per_order.median} / ${z.original.per_order.p95} |
| per order with 20 ms network, median (ms) | ${
    l.warm["create-order"].median
  } | ${l.original.per_order.median} |

Original design throughput (all users share the one service and its mutex):

${throughputTable(z.original.throughput)}

## Cold start: a fresh process for create-order until its first order is answered
After one earlier start of the same function (Deno's module caches warm, as for a bundle built
ahead); the function runs with the functions' import map and a lock of its own packages.

| markets | process start to listening (ms) | first order (ms) | of which markets (ms) | db (ms) | exchange (ms) | total (ms) | exchange requests |
|---|---|---|---|---|---|---|---|
${
    cold.map((c: R) =>
      `| from ${
        c.markets_from === "db" ? "Postgres cache" : "exchangeInfo"
      } | ${c.import_to_listening_ms} | ${c.first_order_ms} | ${ms(c.markets_ms)} | ${
        ms(c.db_ms)
      } | ${ms(c.exchange_ms)} | ${c.total_ms} | ${c.exchange_requests.join(", ")} |`
    ).join("\n")
  }

## Requests per operation (warm, from the simulator's request log)
| operation | requests to Binance |
|---|---|
${
    Object.entries(z.requests).map(([op, reqs]) =>
      `| ${op} | ${(reqs as string[]).length}: ${(reqs as string[]).join(", ")} |`
    ).join("\n")
  }

## Memory of one function process (RSS, MiB)
| V8 old space / young generation cap (MiB) | idle | after 1 account | after ${
    MEM_LABELS(z.memory)[0]
  } | after ${MEM_LABELS(z.memory)[1]} | failed requests |
|---|---|---|---|---|---|
${
    [z.memory, z.memory_small_heap].filter(Boolean).map((m: R) =>
      `| ${m.heap_limit_mib} / ${m.semi_space_mib ?? "default"} | ${m.idle_mib} | ${
        Object.entries(m).filter(([k]) => k.startsWith("after_")).map(([, v]) => v).join(" | ")
      } | ${m.failed_requests} |`
    ).join("\n")
  }

Supabase gives a function 256 MB. These runs cap V8's old space (\`--max-old-space-size\`):
a heap that grew with the number of accounts would crash the process. The second run also caps
the young generation (\`--max-semi-space-size\`), which V8 otherwise grows while requests
allocate fast;
${
    z.memory.failed_requests + (z.memory_small_heap?.failed_requests ?? 0) === 0
      ? "every request was answered, so the heap stays bounded; the difference between the runs is\nV8's heap sizing, not data the function keeps"
      : `**${
        z.memory.failed_requests + (z.memory_small_heap?.failed_requests ?? 0)
      } requests failed**`
  }.
RSS also counts code, the shared markets of the full catalogue and pages V8 has reserved but not
returned. Accounts are views of one shared ccxt instance (a few kB each), kept in an LRU of
\`EXCHANGE_CACHE_SIZE\` (2048). The function runs with the functions' import map, as deployed.
${z.idle_breakdown ? idleTable(z.idle_breakdown) : ""}
## Throughput: create-order with distinct accounts
${throughputTable(z.throughput)}

CPU is user + system time from /proc of every process of the run (the bench client, the
functions' gateway, the simulator's process, Postgres), divided by the orders
answered; "whole machine" counts the other work sharing the cores as well.
${r.stream ? streamSection(r.stream) : ""}${r.sync ? syncSection(r.sync) : ""}${
    r.deploy ? deploySection(r.deploy) : ""
  }`;
}

/** Fill-to-record latency of stream-fills and what it costs Binance (bench/stream.ts). */
function streamSection(x: R): string {
  const row = (name: string, s: R, n: number) =>
    `| ${name} | ${n} | ${s.median} | ${s.p95} | ${s.p99} | ${s.mean} |`;
  return `
## Fills from Binance's user data stream (stream-fills)
Latency is the database's commit time of each fill minus Binance's execution time of its trade (no
call from the user; bench/stream.ts, ${x.accounts} accounts followed by one run).

| case | fills | p50 (ms) | p95 (ms) | p99 (ms) | mean (ms) |
|---|---|---|---|---|---|
${
    row(
      "bursts: a price step fills one order of every account at once",
      x.latency_ms,
      x.fills_recorded,
    )
  }
${row("single fills, one at a time", x.single_latency_ms, x.single_fills_recorded)}

Binance weight: ${x.ws.weight_per_account_per_run} per account per run on the WebSocket API
(${x.ws.connections} connection(s)); REST requests while filling: ${x.rest_requests_while_filling}
(the first look-up of each newly followed account's open orders: ${x.rest_requests_first_lookups}).
Before the stream, a fill waited for the next sync-orders run: up to a minute.
`;
}

/** sync-orders over many open orders (bench/sync.ts). */
function syncSection(x: R): string {
  const rows = (x.runs as R[]).map((r) =>
    `| ${r.label} | ${r.ms} | ${r.weight} | ${r.requests} | ${r.recorded} | ${r.unchanged} | ${r.deferred} | ${r.failed} |`
  );
  return `
## sync-orders: ${x.open_orders} open orders over ${x.accounts} accounts
One run per row, runs a minute apart (Binance's weight window reset in between); the run's weight
cap is ${x.weight_cap} (\`SYNC_WEIGHT_PER_RUN\`). Asking Binance per order would cost
${x.per_order_design_weight} weight every run, before any trades.

| run | wall (ms) | weight | requests | recorded | unchanged | deferred | failed |
|---|---|---|---|---|---|---|---|
${rows.join("\n")}

Fills recorded: ${x.fills_recorded}; orders still open after: ${x.open_after}.
`;
}

/**
 * Where create-order's time goes, per request: the function's request log joined to the bench's
 * calls by request id, locally and with 20 ms of network.
 */
function breakdownTable(z: R, l: R): string {
  const b0 = z.create_order_breakdown;
  if (!b0) return "";
  const b1 = l?.create_order_breakdown;
  const cell = (s: R | undefined) => s ? `${s.median} / ${s.p95}` : "–";
  const inPg = pgOwnMs(z);
  const rows = [
    "Where create-order's time goes, request by request: the function's own request log",
    `(\`duration_ms\`, \`db_ms\`, \`exchange_ms\`) joined to the calls above by request id (${b0.requests}`,
    "requests). Medians and p95 of each part, which need not add up.",
    "",
    "| part | local: median / p95 (ms) | 20 ms network: median / p95 (ms) |",
    "|---|---|---|",
    `| the function over HTTP, whole | ${cell(z.warm["create-order"])} | ${
      cell(l?.warm?.["create-order"])
    } |`,
    `| the floor: raw ccxt's createOrder | ${cell(z.floor["create-order"])} | ${
      cell(l?.floor?.["create-order"])
    } |`,
    `| outside the function: HTTP both ways, the gateway, the client | ${cell(b0.outside)} | ${
      cell(b1?.outside)
    } |`,
    `| the two SQL round trips (\`begin_order\`, \`record_order\`) | ${cell(b0.db)} | ${
      cell(b1?.db)
    } |`,
    `| the exchange call inside the function | ${cell(b0.exchange)} | ${cell(b1?.exchange)} |`,
    `| the exchange call less the same round's floor | ${cell(b0.exchange_over_floor)} | ${
      cell(b1?.exchange_over_floor)
    } |`,
    `| the function's own code: auth, validation, views, log | ${cell(b0.own_code)} | ${
      cell(b1?.own_code)
    } |`,
    "",
    `Postgres's own time for the two calls is ${
      Math.round(inPg * 100) / 100
    } ms (their totals in the table above); the rest of`,
    "the round trips is the loopback, the wire protocol, waking the processes and parsing the",
    "answers. With 20 ms of network every part grows, though none of them crosses that network:",
    "each process sleeps between calls, and on this VM the same code runs slower on a core that",
    'has been idle (docs/DECISIONS.md, "What the overhead is made of").',
  ];
  return rows.join("\n");
}

/** Postgres's own time per create-order: begin_order's and record_order's totals per call. */
function pgOwnMs(z: R): number {
  return (z.pg_functions ?? [])
    .filter((f: R) => f.name === "begin_order" || f.name === "record_order")
    .reduce((sum: number, f: R) => sum + f.total_ms, 0);
}

/**
 * The least create-order's overhead can be with its two writes: an HTTP hop with two round
 * trips of the same bytes (over the floor's round), plus Postgres's own work for the calls.
 */
function designFloor(z: R): number | undefined {
  const f = z.floor_of_design;
  if (!f || !z.pg_functions) return undefined;
  return r2(f.http_sql.median + pgOwnMs(z));
}

/** The floor of the design: what an HTTP hop and two round trips cost before any work. */
function floorOfDesignTable(z: R): string {
  const f = z.floor_of_design;
  if (!f) return "";
  const cell = (s: R) => `${s.median} / ${s.p95} / ${s.p99}`;
  return [
    "The least this design can cost on this machine. Each round calls, in turn, raw ccxt, a",
    "server that only answers a stored create-order answer over HTTP (same client, same headers",
    "and body), the same server after two Postgres round trips that carry that answer each way",
    "through postgres.js set up as the product's (bench/floor_server.ts), and create-order:",
    "",
    "| call | median / p95 / p99 (ms) |",
    "|---|---|",
    `| raw ccxt's createOrder (the floor) | ${cell(f.floor)} |`,
    `| an HTTP hop answering the order, no work | ${cell(f.http)} |`,
    `| the same hop with two Postgres round trips that write nothing | ${cell(f.http_sql)} |`,
    `| create-order | ${cell(f.function)} |`,
    "",
    `A function that records the order before and after the exchange call costs at least the`,
    `hop with its round trips (${f.http_sql.median} ms) over the floor, plus Postgres's own work`,
    `for the two calls (${r2(pgOwnMs(z))} ms, above): ${designFloor(z)} ms here, against the`,
    `goal's 2 ms. This round, create-order's overhead was ${
      r2(f.function.median - f.floor.median)
    } ms: ${r2(f.function.median - f.floor.median - (designFloor(z) ?? 0))} ms above that floor`,
    "(authentication, validation, the exchange instance, the views and the request log).",
  ].join("\n");
}

/** create-order with the database over TLS against plain, alternately in one run. */
function tlsTable(t: R | undefined): string {
  if (!t) return "";
  return [
    "With Postgres over TLS (`sslmode=verify-full`, the stack's CA in `TRADING_DB_CA_CERT`; a",
    "second functions process, its calls alternating with the plain one's; docs/DECISIONS.md,",
    '"TLS to Postgres"):',
    "",
    "| create-order | median / p95 / p99 (ms) |",
    "|---|---|",
    `| database over plain TCP | ${t.plain.median} / ${t.plain.p95} / ${t.plain.p99} |`,
    `| database over TLS | ${t.tls.median} / ${t.tls.p95} / ${t.tls.p99} |`,
  ].join("\n");
}

/** Where the database's share of the overhead goes: Postgres's own time per call. */
function pgTable(list: R[] | undefined): string {
  if (!list?.length) return "";
  const rows = [
    "Inside Postgres over warm create-orders (a separate pass with `track_functions`, time per",
    "call; a function's total includes the functions it calls):",
    "",
    "| SQL function | calls | total per call (ms) | own per call (ms) |",
    "|---|---|---|---|",
  ];
  for (const f of list.filter((f) => f.calls > 0)) {
    rows.push(`| trading.${f.name} | ${f.calls} | ${f.total_ms} | ${f.self_ms} |`);
  }
  return rows.join("\n");
}

function deploySection(d: R): string {
  const rows = [
    "| function | npm packages | files | raw (MB) | brotli (MB) | largest packages (raw MB) |",
    "|---|---|---|---|---|---|",
  ];
  for (const f of d.functions) {
    rows.push(
      `| ${f.name} | ${f.packages.length} | ${f.files} | ${f.raw_mb} | ${f.brotli_mb} | ${
        f.largest.map((p: R) => `${p.name} ${p.raw_mb}`).join(", ")
      } |`,
    );
  }
  return `
## Deploy size: each function's bundle as Supabase's bundler would build it
Its own modules plus every npm package folder of its resolution, whole, compressed with brotli
(\`deno task bundle-size\`).

${rows.join("\n")}
`;
}
