package trading

// Tests that need no stack: the idempotency-key rule, the jitter source, and that the Go
// types and constants cover the contract (docs/openapi.json, errors.ts).

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCreateOrderWithoutAKeySendsNothing(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	defer srv.Close()
	_, err := NewUserClient(srv.URL, "t").CreateOrder(context.Background(), CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "market", Amount: "1"}, "")
	if !errors.Is(err, ErrIdempotencyKeyRequired) || calls != 0 {
		t.Fatalf("want ErrIdempotencyKeyRequired and no request, got %v after %d requests", err, calls)
	}
	_, err = NewUserClient(srv.URL, "t").CreateOrder(context.Background(), CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "market", Amount: "1"}, "order:42")
	if !errors.Is(err, ErrInvalidIdempotencyKey) || calls != 0 {
		t.Fatalf("want ErrInvalidIdempotencyKey and no request, got %v after %d requests", err, calls)
	}
}

func TestEveryCreateOrderFailureCarriesTheKeyAndRetriesReuseIt(t *testing.T) {
	var mu sync.Mutex
	var keys []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		mu.Unlock()
		w.WriteHeader(503)
		_, _ = w.Write([]byte(`{"error":{"code":"EXCHANGE_UNAVAILABLE","message":"down","retryable":true,"request_id":"r1"}}`))
	}))
	defer srv.Close()
	c := NewUserClient(srv.URL, "t")
	c.MaxRetries = 2
	key := NewIdempotencyKey()
	_, err := c.CreateOrder(context.Background(), CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "market", Amount: "1"}, key)
	var orderErr *OrderError
	var apiErr *Error
	if !errors.As(err, &orderErr) || orderErr.IdempotencyKey != key || !errors.As(err, &apiErr) || apiErr.Code != CodeExchangeUnavailable {
		t.Fatalf("want an OrderError with the key around EXCHANGE_UNAVAILABLE, got %v", err)
	}
	if len(keys) != 3 {
		t.Fatalf("want 1 call + 2 retries, got %d", len(keys))
	}
	for _, k := range keys {
		if k != key {
			t.Fatalf("a retry used another key: %q", keys)
		}
	}
	// A transport failure (nothing listening) carries the key as well.
	srv.Close()
	_, err = NewUserClient(srv.URL, "t").CreateOrder(context.Background(), CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "market", Amount: "1", ClientOrderID: "my-order-42"}, "")
	if !errors.As(err, &orderErr) || orderErr.IdempotencyKey != "my-order-42" {
		t.Fatalf("want the client order id as the key, got %v", err)
	}
}

func TestKeysMatchBinanceSpotsClientOrderIDPattern(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		k := NewIdempotencyKey()
		if !ClientOrderIDPattern.MatchString(k) || seen[k] {
			t.Fatalf("bad or repeated key %q", k)
		}
		seen[k] = true
	}
	// fix-api.md "Client order ID fields": letters, digits, - and _, 1-36.
	for _, bad := range []string{"order:42", "a.b", "", strings.Repeat("a", 37)} {
		if ClientOrderIDPattern.MatchString(bad) {
			t.Fatalf("%q must not match", bad)
		}
	}
}

func TestJitterComesFromCryptoRand(t *testing.T) {
	src, err := os.ReadFile("client.go")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), `"math/rand"`) {
		t.Fatal("math/rand is unseeded under go 1.19: every process would retry in lockstep")
	}
	distinct := map[float64]bool{}
	for i := 0; i < 50; i++ {
		j := jitter()
		if j < 0 || j >= 1 {
			t.Fatalf("jitter out of range: %v", j)
		}
		distinct[j] = true
		if d := backoff(0); d < 50*time.Millisecond || d > 150*time.Millisecond {
			t.Fatalf("first backoff out of range: %v", d)
		}
	}
	if len(distinct) < 45 {
		t.Fatalf("jitter repeats: %d distinct of 50", len(distinct))
	}
}

func TestErrorCodeConstantsMatchTheServer(t *testing.T) {
	src, err := os.ReadFile("../../supabase/functions/_shared/errors.ts")
	if err != nil {
		t.Fatal(err)
	}
	block := string(src)[strings.Index(string(src), "ERROR_CODES = {"):]
	block = block[:strings.Index(block, "} as const")]
	var server []string
	for _, m := range regexp.MustCompile(`(?m)^\s+([A-Z_]+): \d{3},`).FindAllStringSubmatch(block, -1) {
		server = append(server, m[1])
	}
	mine := append([]string(nil), ErrorCodes...)
	sort.Strings(server)
	sort.Strings(mine)
	if !reflect.DeepEqual(server, mine) {
		t.Fatalf("errors.ts has %v, the Go client %v", server, mine)
	}
}

// jsonFields are the JSON names a Go type decodes (embedded structs included).
func jsonFields(t reflect.Type) map[string]reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	out := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Anonymous {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name != "" && name != "-" {
			out[name] = f.Type
		}
	}
	return out
}

// covers fails for every property of a JSON schema that the Go type does not decode.
func covers(t *testing.T, where string, schema map[string]any, typ reflect.Type) {
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
		typ = typ.Elem()
	}
	if items, ok := schema["items"].(map[string]any); ok {
		covers(t, where+"[]", items, typ)
		return
	}
	props, ok := schema["properties"].(map[string]any)
	if !ok || typ.Kind() != reflect.Struct {
		return
	}
	fields := jsonFields(typ)
	for name, sub := range props {
		ft, ok := fields[name]
		if !ok {
			t.Errorf("%s.%s is answered by the function but missing from %s", where, name, typ.Name())
			continue
		}
		covers(t, where+"."+name, sub.(map[string]any), ft)
	}
}

func TestTypesCoverEveryFieldTheFunctionsReturn(t *testing.T) {
	raw, err := os.ReadFile("../../docs/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]struct {
				Content map[string]struct {
					Schema map[string]any `json:"schema"`
				} `json:"content"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	types := map[string]reflect.Type{
		"create-order": reflect.TypeOf(OrderResult{}),
		"cancel-order": reflect.TypeOf(OrderResult{}),
		"fetch-order":  reflect.TypeOf(OrderResult{}),
		"fetch-open-orders": reflect.TypeOf(struct {
			Orders []Order `json:"orders"`
		}{}),
		"fetch-ticker":    reflect.TypeOf(Ticker{}),
		"fetch-balance":   reflect.TypeOf(BalanceResult{}),
		"fetch-my-trades": reflect.TypeOf(MyTradesResult{}),
		"fetch-markets":   reflect.TypeOf(MarketsResult{}),
		"fetch-orders":    reflect.TypeOf(OrdersResult{}),
		"fetch-positions": reflect.TypeOf(PositionsResult{}),
		"sync-orders":     reflect.TypeOf(SyncResult{}),
		"stream-fills":    reflect.TypeOf(StreamFillsResult{}),
		"exchange-keys": reflect.TypeOf(struct {
			Accounts []Account `json:"accounts"`
			Account  Account   `json:"account"`
			Removed  Account   `json:"removed"`
		}{}),
	}
	for path, methods := range doc.Paths {
		name := strings.TrimPrefix(path, "/functions/v1/")
		typ, ok := types[name]
		if !ok {
			t.Errorf("the Go client has no type for %s", name)
			continue
		}
		for method, op := range methods {
			schema := op.Responses["200"].Content["application/json"].Schema
			if variants, ok := schema["anyOf"].([]any); ok {
				for _, v := range variants {
					covers(t, name+" "+method, v.(map[string]any), typ)
				}
				continue
			}
			covers(t, name+" "+method, schema, typ)
		}
	}
}
