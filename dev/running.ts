/**
 * Is the stack described by a stack file still running? Its process (the `pid` the start
 * wrote) is alive, or its gateway still answers. A file left by a stack that is gone answers
 * no, so a new start may replace it.
 */
import type { StackInfo } from "./stack.ts";

export interface RunningStack {
  info: StackInfo;
  pid: number | null;
}

function processAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  try {
    // Linux (and WSL); elsewhere the gateway check below decides.
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return !/^\d+ \(.*\) Z /.test(stat); // a zombie is gone
  } catch {
    return false;
  }
}

async function gatewayAnswers(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1500) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

export async function runningStack(
  stackFile: string,
  opts: { pidOnly?: boolean } = {},
): Promise<RunningStack | null> {
  let parsed: StackInfo & { pid?: number };
  try {
    parsed = JSON.parse(await Deno.readTextFile(stackFile));
  } catch {
    return null;
  }
  const pid = typeof parsed.pid === "number" ? parsed.pid : null;
  if (opts.pidOnly) return { info: parsed, pid };
  if (pid !== null && processAlive(pid)) return { info: parsed, pid };
  if (parsed.functions_url && await gatewayAnswers(parsed.functions_url)) {
    return { info: parsed, pid };
  }
  return null;
}
