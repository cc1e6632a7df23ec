/**
 * `deno task start`: --help prints the flags; a second start next to a running stack says so
 * and leaves the running stack's file alone; a file left by a stack that is gone is stale.
 */
import assert from "node:assert/strict";
import { runningStack } from "../../dev/running.ts";

const start = new URL("../../dev/start.ts", import.meta.url).pathname;

async function runStart(args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", start, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A stack file naming a live process and a gateway nobody listens on. */
async function fakeStackFile(pid: number): Promise<{ dir: string; file: string; text: string }> {
  const dir = await Deno.makeTempDir({ prefix: "start-test-" });
  const file = `${dir}/stack.json`;
  const text = JSON.stringify({ functions_url: "http://127.0.0.1:9/functions/v1", pid });
  await Deno.writeTextFile(file, text);
  return { dir, file, text };
}

Deno.test("deno task start --help prints the flags and exits 0", async () => {
  const res = await runStart(["--help"]);
  assert.equal(res.code, 0, res.stderr);
  for (const flag of ["--reset", "--ephemeral", "--small", "--stack-file", "--quiet"]) {
    assert.ok(res.stdout.includes(flag), `--help lacks ${flag}`);
  }
  const bad = await runStart(["--no-such-flag"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no-such-flag/);
});

Deno.test("a second start next to a running stack stops and keeps its stack file", async () => {
  const sleeper = new Deno.Command("sleep", { args: ["60"] }).spawn();
  const { dir, file, text } = await fakeStackFile(sleeper.pid);
  try {
    const res = await runStart(["--ephemeral", "--small", "--quiet", "--stack-file", file]);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /already running/);
    assert.equal(await Deno.readTextFile(file), text, "the running stack's file is untouched");
  } finally {
    sleeper.kill();
    await sleeper.status;
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a stack file whose process is gone and whose gateway is silent is stale", async () => {
  const done = await new Deno.Command("true").spawn();
  await done.status;
  const { dir, file } = await fakeStackFile(done.pid);
  try {
    assert.equal(await runningStack(file), null);
    assert.equal(await runningStack(`${dir}/missing.json`), null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
