package trading

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"
)

type stack struct {
	FunctionsURL   string `json:"functions_url"`
	ServiceRoleKey string `json:"service_role_key"`
	Demo           struct {
		UserID      string `json:"user_id"`
		AccessToken string `json:"access_token"`
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

func TestUserClientPlacesReadsAndCancelsALimitOrder(t *testing.T) {
	s := loadStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c := NewUserClient(s.FunctionsURL, s.Demo.AccessToken)
	placed, err := c.CreateOrder(ctx, CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "limit", Amount: "0.001", Price: "10000"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if placed.Order == nil || placed.Order.Status != "open" || placed.Order.ID == nil {
		t.Fatalf("unexpected order: %+v", placed.Order)
	}
	got, err := c.FetchOrder(ctx, OrderRef{Symbol: "BTC/USDT", ID: *placed.Order.ID})
	if err != nil || got.Order.Status != "open" {
		t.Fatalf("fetch: %v %+v", err, got)
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
	key := newKey()
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
	bal, err := c.FetchBalance(ctx)
	if err != nil || bal.Balances["USDT"].Free == "" {
		t.Fatalf("balance: %v %+v", err, bal)
	}
	tk, err := c.FetchTicker(ctx, "BTC/USDT")
	if err != nil || tk.Bid == nil {
		t.Fatalf("ticker: %v %+v", err, tk)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	s := loadStack(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := NewUserClient(s.FunctionsURL, s.Demo.AccessToken)
	_, err := c.CreateOrder(ctx, CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "limit", Amount: "0.001"}, "")
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.Code != "VALIDATION_ERROR" || apiErr.Field != "price" || apiErr.Status != 400 {
		t.Fatalf("want a VALIDATION_ERROR on price, got %v", err)
	}
	anon := NewUserClient(s.FunctionsURL, "not-a-token")
	_, err = anon.FetchBalance(ctx)
	if !errors.As(err, &apiErr) || apiErr.Code != "UNAUTHORIZED" || apiErr.Retryable {
		t.Fatalf("want UNAUTHORIZED, got %v", err)
	}
}
