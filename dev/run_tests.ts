/**
 * `deno task test`: the one test command. Starts a throwaway stack (fresh database, free
 * ports) in a child process, runs the Deno tests, the pgTAP suite and the Go client's tests
 * against it, tears it down, prints `N passed, N failed` and exits non-zero on any failure.
 * Extra arguments are passed to `deno test` (e.g. a path or `--filter`).
 */
import { runPgTap } from "./pgtap.ts";
import { DEMO_BINANCE_SECRET } from "./stack.ts";
import { LEAK_RE } from "../tests/helpers/stack.ts";

const root = new URL("..", import.meta.url).pathname;
const tmp = await Deno.makeTempDir({ prefix: "trading-test-" });
const stackFile = `${tmp}/stack.json`;
const totals = { passed: 0, failed: 0 };
let broken = false;

/** Every entry of tests/ except tests/isolated/ (deno test's --ignore is not relied on). */
async function parallelPaths(): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(`${root}tests`)) {
    if (e.name === "isolated") continue;
    out.push(`tests/${e.name}${e.isDirectory ? "/" : ""}`);
  }
  return out.sort();
}

function section(title: string) {
  console.log(`\n=== ${title} ===`);
}

async function waitForFile(path: string, child: Deno.ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.status.then(() => exited = true);
  while (Date.now() < deadline) {
    try {
      return JSON.parse(await Deno.readTextFile(path));
    } catch {
      if (exited) throw new Error("the stack exited before it was ready");
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error("the stack was not ready in time");
}

section("stack");
const stackProc = new Deno.Command(Deno.execPath(), {
  args: [
    "run",
    "-A",
    `${root}dev/start.ts`,
    "--ephemeral",
    "--small",
    "--stack-file",
    stackFile,
    "--sync-every",
    "0",
  ],
  stdout: "piped",
  stderr: "piped",
  cwd: root,
  // Short exchange timeouts keep the fault tests fast; the lease stays above timeout + recvWindow.
  env: {
    BINANCE_TIMEOUT_MS: "3000",
    READ_DEADLINE_MS: "8000",
    SUBMIT_LEASE_SECONDS: "15",
    BODY_DEADLINE_MS: "2000",
  },
}).spawn();
// The stack's own output goes to a log file, shown when something fails.
const stackLog = `${tmp}/stack.log`;
const logFile = await Deno.open(stackLog, { write: true, create: true });
const pump = Promise.all([
  stackProc.stdout.pipeTo(logFile.writable, { preventClose: true }),
  stackProc.stderr.pipeTo((await Deno.open(stackLog, { append: true })).writable),
]).catch(() => {});

let stack: { db_url: string };
try {
  stack = await waitForFile(stackFile, stackProc, 180_000);
  console.log("stack ready");
} catch (err) {
  console.log(String(err));
  stackProc.kill("SIGTERM");
  await stackProc.status;
  await pump;
  console.log(await Deno.readTextFile(stackLog).catch(() => ""));
  console.log("\n0 passed, 1 failed");
  Deno.exit(1);
}

const env = { STACK_FILE: stackFile, DENO_TLS_CA_STORE: "system" };

try {
  // Everything but tests/isolated/ runs two files at a time; the isolated tests change what
  // every caller sees (the shared Binance back-off) and run alone afterwards.
  const runs: [string, string[]][] = Deno.args.length > 0 ? [["selected", Deno.args]] : [
    ["parallel", ["--parallel", ...await parallelPaths(), "dev/", "supabase/functions/"]],
    ["isolated", ["tests/isolated/"]],
  ];
  for (const [name, args] of runs) {
    section(`deno test (${name})`);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", ...args],
      env: { ...env, DENO_JOBS: "2", NO_COLOR: "1" },
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    console.log(text);
    const summary = [...text.matchAll(/(\d+) passed.*?\|\s*(\d+) failed/g)].pop();
    if (summary) {
      totals.passed += Number(summary[1]);
      totals.failed += Number(summary[2]);
    }
    if (!out.success && (!summary || Number(summary[2]) === 0)) broken = true;
  }

  if (Deno.args.length === 0) {
    section("pgTAP (supabase/tests)");
    const tap = await runPgTap(stack.db_url);
    console.log(tap.output);
    console.log(`pgTAP: ${tap.passed} passed, ${tap.failed} failed`);
    totals.passed += tap.passed;
    totals.failed += tap.failed;

    const goDir = `${root}clients/go`;
    const hasGo = await new Deno.Command("go", { args: ["version"] }).output().then((o) =>
      o.success
    )
      .catch(() => false);
    if (await Deno.stat(`${goDir}/go.mod`).then(() => true).catch(() => false)) {
      section("go test (clients/go)");
      if (!hasGo) {
        console.log("go is not installed: the Go client's tests cannot run");
        broken = true;
      } else {
        const go = await new Deno.Command("go", {
          args: ["test", "-count=1", "-v", "./..."],
          cwd: goDir,
          env: { ...env, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const goText = new TextDecoder().decode(go.stdout) + new TextDecoder().decode(go.stderr);
        console.log(goText);
        const passed = (goText.match(/^\s*--- PASS/gm) ?? []).length;
        const failed = (goText.match(/^\s*--- FAIL/gm) ?? []).length;
        totals.passed += passed;
        totals.failed += failed;
        if (!go.success && failed === 0) broken = true;
      }
    }
  }
} finally {
  stackProc.kill("SIGTERM");
  await stackProc.status;
  await pump;
  // Secret hygiene: test traders' keys and secrets carry markers (tests/helpers/stack.ts);
  // no log line of the functions may hold one, nor a full key or a request signature.
  section("log scan");
  const lines = (await Deno.readTextFile(stackLog).catch(() => "")).split("\n");
  const leaks = lines.filter((l) => LEAK_RE.test(l) || l.includes(DEMO_BINANCE_SECRET));
  console.log(`${lines.length} log lines scanned, ${leaks.length} with a secret, key or signature`);
  for (const l of leaks.slice(0, 5)) console.log(`  leak: ${l.slice(0, 160)}`);
  if (lines.length < 10) broken = true;
  if (leaks.length > 0) totals.failed += 1;
  else totals.passed += 1;
  if (totals.failed > 0 || broken) {
    console.log("\n--- stack log (tail) ---");
    const log = await Deno.readTextFile(stackLog).catch(() => "");
    console.log(log.split("\n").slice(-80).join("\n"));
  }
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
}

if (broken) totals.failed += 1;
console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
Deno.exit(totals.failed > 0 ? 1 : 0);
