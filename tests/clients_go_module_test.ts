/**
 * The Go client can be added to another module the way docs/CALLERS.md says: `go mod edit`
 * with a replace to a checkout, then `go mod tidy` and `go build`, with no network (GOPROXY
 * off): the client needs nothing but the standard library.
 */
import assert from "node:assert/strict";

const clientDir = new URL("../clients/go", import.meta.url).pathname;
const MODULE = "example.com/trading/clients/go";

async function go(args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command("go", {
    args,
    cwd,
    env: { GOPROXY: "off", GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local", GOWORK: "off" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `go ${args.join(" ")}: ${text}`);
  return text;
}

const hasGo = await new Deno.Command("go", { args: ["version"] }).output().then((o) => o.success)
  .catch(() => false);

Deno.test({
  name: "a new Go module adds the client with the documented replace; go mod tidy and build pass",
  ignore: !hasGo,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "go-consumer-" });
    try {
      await go(["mod", "init", "example.org/backend"], dir);
      await Deno.writeTextFile(
        `${dir}/main.go`,
        `package main

import (
	"context"
	"fmt"

	trading "${MODULE}"
)

func main() {
	c := trading.NewServiceClient("http://127.0.0.1:1/functions/v1", "key").ForUser("u")
	_, err := c.FetchOrders(context.Background(), trading.OrdersRequest{Limit: 10})
	fmt.Println(err != nil, trading.CodeRateLimited)
}
`,
      );
      // The two commands of docs/CALLERS.md, "Go backend".
      await go(
        ["mod", "edit", `-require=${MODULE}@v0.0.0`, `-replace=${MODULE}=${clientDir}`],
        dir,
      );
      await go(["mod", "tidy"], dir);
      await go(["build", "-o", "backend", "."], dir);
      const out = await new Deno.Command(`${dir}/backend`, { stdout: "piped" }).output();
      assert.equal(new TextDecoder().decode(out.stdout).trim(), "true RATE_LIMITED");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
