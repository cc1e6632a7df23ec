package trading

// End-to-end tests against the local stack (`deno task test` sets STACK_FILE): real HTTP,
// the real functions, Postgres and the Binance simulator.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"
)

type stack struct {
	FunctionsURL   string `json:"functions_url"`
	BinanceURL     string `json:"binance_url"`
	ServiceRoleKey string `json:"service_role_key"`
	Demo           struct {
		UserID        string `json:"user_id"`
		AccessToken   string `json:"access_token"`
		BinanceAPIKey string `json:"binance_api_key"`
	} `json:"demo"`
}

func loadStack(t *testing.T) stack {
	path := os.Getenv("STACK_FILE")
	if path == "" {
		t.Skip("STACK_FILE is not set: run through `deno task test`")
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s stack
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// sim calls the simulator's control API.
func (s stack) sim(t *testing.T, method, path string, body any, out any) {
	t.Helper()
	var payload []byte
	if body != nil {
		payload, _ = json.Marshal(body)
	}
	req, _ := http.NewRequest(method, s.BinanceURL+path, bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("simulator %s: %d", path, res.StatusCode)
	}
	if out != nil {
		if err := json.NewDecoder(res.Body).Decode(out); err != nil {
			t.Fatal(err)
		}
	}
}

type simRequest struct {
	Seq    int     `json:"seq"`
	Method string  `json:"method"`
	Path   string  `json:"path"`
	APIKey *string `json:"api_key"`
}

func (s stack) orderRequestsSince(t *testing.T, seq int) int {
	var all []simRequest
	s.sim(t, "GET", "/__sim/requests", nil, &all)
	n := 0
	for _, r := range all {
		if r.Seq > seq && r.Method == "POST" && r.Path == "/api/v3/order" && r.APIKey != nil && *r.APIKey == s.Demo.BinanceAPIKey {
			n++
		}
	}
	return n
}

func (s stack) lastSeq(t *testing.T) int {
	var all []simRequest
	s.sim(t, "GET", "/__sim/requests", nil, &all)
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Seq
}

func TestUserClientPlacesReadsAndCancelsALimitOrder(t *testing.T) {
	s := loadStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := NewUserClient(s.FunctionsURL, s.Demo.AccessToken)
	key := NewIdempotencyKey()
	placed, err := c.CreateOrder(ctx, CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "limit", Amount: "0.001", Price: "10000"}, key)
	if err != nil {
		t.Fatal(err)
	}
	if placed.Order == nil || placed.Order.Status != "open" || placed.Order.ID == nil || placed.IdempotencyKey != key {
		t.Fatalf("unexpected order: %+v", placed)
	}
	if placed.Order.ClientOrderID == nil || *placed.Order.ClientOrderID != key {
		t.Fatalf("a key matching Binance's pattern is the client order id: %v", placed.Order.ClientOrderID)
	}
	got, err := c.FetchOrder(ctx, OrderRef{Symbol: "BTC/USDT", ID: *placed.Order.ID})
	if err != nil || got.Order.Status != "open" {
		t.Fatalf("fetch: %v %+v", err, got)
	}
	open, err := c.FetchOpenOrders(ctx, OpenOrdersRequest{Symbol: "BTC/USDT", Account: "default"})
	if err != nil || len(open) == 0 {
		t.Fatalf("open orders: %v %d", err, len(open))
	}
	canceled, err := c.CancelOrder(ctx, OrderRef{Symbol: "BTC/USDT", ID: *placed.Order.ID})
	if err != nil || canceled.Order.Status != "canceled" {
		t.Fatalf("cancel: %v %+v", err, canceled)
	}
}

func TestServiceClientActsForAUserAndIdempotencyKeysAreSafe(t *testing.T) {
	s := loadStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := NewServiceClient(s.FunctionsURL, s.ServiceRoleKey).ForUser(s.Demo.UserID)
	key := NewIdempotencyKey()
	req := CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "market", Amount: "0.0001"}
	first, err := c.CreateOrder(ctx, req, key)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateOrder(ctx, req, key)
	if err != nil {
		t.Fatal(err)
	}
	if *first.Order.ID != *again.Order.ID {
		t.Fatalf("same key, two orders: %s %s", *first.Order.ID, *again.Order.ID)
	}
	if first.Order.QuoteAmount != nil || first.Order.Cost == nil {
		t.Fatalf("quote_amount is for buys by cost; cost is the executed quote: %+v", first.Order)
	}
	bal, err := c.FetchBalance(ctx, BalanceRequest{Account: "default"})
	if err != nil || bal.Balances["USDT"].Free == "" || bal.Account != "default" {
		t.Fatalf("balance: %v %+v", err, bal)
	}
	tk, err := c.FetchTicker(ctx, "BTC/USDT")
	if err != nil || tk.Bid == nil || tk.High == nil || tk.QuoteVolume == nil {
		t.Fatalf("ticker: %v %+v", err, tk)
	}
	trades, err := c.FetchMyTrades(ctx, MyTradesRequest{Symbol: "BTC/USDT", Since: time.Now().Add(-time.Hour), Limit: 50, Account: "default"})
	if err != nil || len(trades.Trades) == 0 || trades.Trades[0].Cost == nil || trades.Trades[0].Timestamp == nil {
		t.Fatalf("trades: %v %+v", err, trades)
	}
}

func TestCreateOrderRetriedWithTheSameKeyAfterTheContextExpiredPlacesOneOrder(t *testing.T) {
	s := loadStack(t)
	c := NewUserClient(s.FunctionsURL, s.Demo.AccessToken)
	// The order endpoint answers after 3 s; the caller gives up after 1 s.
	s.sim(t, "POST", "/__sim/faults", map[string]any{"kind": "latency", "latency_ms": 3000, "method": "POST", "path": "/api/v3/order", "api_key": s.Demo.BinanceAPIKey, "count": 1}, nil)
	seq := s.lastSeq(t)
	req := CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "market", Amount: "0.0001"}
	key := NewIdempotencyKey()
	short, cancel := context.WithTimeout(context.Background(), time.Second)
	_, err := c.CreateOrder(short, req, key)
	cancel()
	var orderErr *OrderError
	if !errors.As(err, &orderErr) || orderErr.IdempotencyKey != key || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want an OrderError carrying the key after the deadline, got %v", err)
	}
	// What docs/CALLERS.md shows: call again with the key the error carries.
	ctx, cancel2 := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel2()
	var res *OrderResult
	calls := 0
	for {
		calls++
		res, err = c.CreateOrder(ctx, req, orderErr.IdempotencyKey)
		if err == nil || !IsRetryable(err) || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("settled after %d CreateOrder calls with the same key", calls)
	if err != nil {
		t.Fatal(err)
	}
	if res.Order == nil || res.Order.ClientOrderID == nil || *res.Order.ClientOrderID != key {
		t.Fatalf("unexpected answer: %+v", res.Order)
	}
	if n := s.orderRequestsSince(t, seq); n != 1 {
		t.Fatalf("Binance received %d order requests for one key, want 1", n)
	}
}

func TestHistoryReadsPageThroughOrdersAndPositions(t *testing.T) {
	s := loadStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := NewServiceClient(s.FunctionsURL, s.ServiceRoleKey).ForUser(s.Demo.UserID)
	since := time.Now().Add(-time.Second)
	for i := 0; i < 3; i++ {
		if _, err := c.CreateOrder(ctx, CreateOrderRequest{Symbol: "ETH/USDT", Side: "buy", Type: "market", Amount: "0.002"}, NewIdempotencyKey()); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	var cursor string
	for page := 0; page < 3; page++ {
		res, err := c.FetchOrders(ctx, OrdersRequest{Symbol: "ETH/USDT", Side: "buy", Limit: 1, Cursor: cursor, IncludeFills: true, Since: since})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Orders) != 1 || res.Orders[0].Account == "" || len(res.Orders[0].Fills) == 0 {
			t.Fatalf("page %d: %+v", page, res.Orders)
		}
		if seen[*res.Orders[0].ClientOrderID] {
			t.Fatalf("page %d repeats an order", page)
		}
		seen[*res.Orders[0].ClientOrderID] = true
		if (res.NextCursor == nil) != (page == 2) {
			t.Fatalf("page %d of 3: next cursor %v", page, res.NextCursor)
		}
		if res.NextCursor != nil {
			cursor = *res.NextCursor
		}
	}
	pos, err := c.FetchPositions(ctx, PositionsRequest{Symbol: "ETH/USDT", IncludeUnrealizedPnL: true})
	if err != nil || len(pos.Positions) != 1 {
		t.Fatalf("positions: %v %+v", err, pos)
	}
	p := pos.Positions[0]
	if p.Status != "open" || p.EntryPrice == nil || p.CurrentPrice == nil || p.UnrealizedPnL == nil || p.OpenedAt == nil || p.FeesBase == nil {
		t.Fatalf("position: %+v", p)
	}
}

func TestKeysAndMarkets(t *testing.T) {
	s := loadStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := NewUserClient(s.FunctionsURL, s.Demo.AccessToken)
	accounts, err := c.KeyStatus(ctx)
	if err != nil || len(accounts) == 0 || !accounts[0].IsDefault || len(accounts[0].KeyHint) != 4 {
		t.Fatalf("key status: %v %+v", err, accounts)
	}
	_, err = c.RemoveKeys(ctx, "no-such-label")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Code != CodeCredentialsMissing {
		t.Fatalf("want CREDENTIALS_MISSING, got %v", err)
	}
	m, err := c.FetchMarkets(ctx, MarketsRequest{Symbol: "BTC/USDT"})
	if err != nil || m.Count != 1 || m.Markets[0].Precision.Amount == nil || m.Markets[0].Limits.Cost.Min == nil {
		t.Fatalf("markets: %v %+v", err, m)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	s := loadStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := NewUserClient(s.FunctionsURL, s.Demo.AccessToken)
	_, err := c.CreateOrder(ctx, CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "limit", Amount: "0.001"}, NewIdempotencyKey())
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Code != CodeValidationError || apiErr.Field != "price" || apiErr.Status != 400 {
		t.Fatalf("want a VALIDATION_ERROR on price, got %v", err)
	}
	anon := NewUserClient(s.FunctionsURL, "not-a-token")
	_, err = anon.FetchBalance(ctx, BalanceRequest{})
	if !errors.As(err, &apiErr) || apiErr.Code != CodeUnauthorized || apiErr.Retryable {
		t.Fatalf("want UNAUTHORIZED, got %v", err)
	}
}
