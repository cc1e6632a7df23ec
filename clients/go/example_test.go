package trading_test

// Runnable examples. So that `go test` runs them anywhere, a small httptest server stands in
// for the functions with answers in their documented shapes; against a real project, pass
// https://<ref>.supabase.co/functions/v1 instead.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	trading "example.com/trading/clients/go"
)

const orderJSON = `{"order":{"id":"12345","client_order_id":"%s","symbol":"BTC/USDT","side":"buy","type":"market","time_in_force":null,"status":"closed","price":null,"amount":"0.001","quote_amount":null,"filled":"0.001","remaining":"0","average":"50000","cost":"50","fee":{"cost":"0.000001","currency":"BTC"},"position_id":null,"error":null,"created_at":"2026-11-25T10:00:00Z","updated_at":"2026-11-25T10:00:00Z"},"position":null}`

// functions answers like the deployed functions would, for the examples.
func functions() *httptest.Server {
	attempts := 0
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/create-order"):
			attempts++
			if attempts == 1 { // the first attempt: Binance's answer was lost
				w.WriteHeader(504)
				fmt.Fprint(w, `{"error":{"code":"EXCHANGE_TIMEOUT","message":"Binance did not answer in time","retryable":true,"request_id":"req-1"}}`)
				return
			}
			fmt.Fprintf(w, orderJSON, r.Header.Get("Idempotency-Key"))
		case strings.HasSuffix(r.URL.Path, "/fetch-orders"):
			if strings.Contains(readAll(r), `"cursor"`) {
				fmt.Fprint(w, `{"orders":[{"id":"2","client_order_id":"b","symbol":"BTC/USDT","side":"buy","type":"limit","time_in_force":"GTC","status":"open","price":"30000","amount":"0.01","quote_amount":null,"filled":"0","remaining":"0.01","average":null,"cost":"0","fee":null,"position_id":null,"error":null,"created_at":"2026-11-25T09:00:00Z","updated_at":"2026-11-25T09:00:00Z","account":"default"}],"next_cursor":null}`)
				return
			}
			fmt.Fprint(w, `{"orders":[{"id":"3","client_order_id":"c","symbol":"BTC/USDT","side":"sell","type":"market","time_in_force":null,"status":"closed","price":null,"amount":"0.01","quote_amount":null,"filled":"0.01","remaining":"0","average":"51000","cost":"510","fee":null,"position_id":null,"error":null,"created_at":"2026-11-25T10:00:00Z","updated_at":"2026-11-25T10:00:00Z","account":"default"}],"next_cursor":"WyIyMDI2Il0"}`)
		case strings.HasSuffix(r.URL.Path, "/fetch-positions"):
			fmt.Fprint(w, `{"positions":[{"id":"p1","symbol":"BTC/USDT","status":"open","quantity":"0.00999","entry_price":"50000","realized_pnl":"0","fees_quote":"0.05","fees_base":"0.00001","fees_other":{},"opened_at":"2026-11-25T10:00:00Z","closed_at":null,"updated_at":"2026-11-25T10:00:00Z","account":"default","current_price":"51000","unrealized_pnl":"9.99"}],"next_cursor":null}`)
		default:
			w.WriteHeader(409)
			fmt.Fprint(w, `{"error":{"code":"CREDENTIALS_MISSING","message":"No Binance API key is saved for this account","retryable":false,"request_id":"req-9"}}`)
		}
	}))
}

func readAll(r *http.Request) string {
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// Place an order so that no failure can make it twice: the key is made and kept before the
// call, and every retry (here after a lost answer) uses the same key.
func ExampleClient_CreateOrder() {
	srv := functions()
	defer srv.Close()
	c := trading.NewUserClient(srv.URL, "<the user's access token>")
	c.MaxRetries = 0 // show the retry by hand; by default the client retries by itself

	req := trading.CreateOrderRequest{Symbol: "BTC/USDT", Side: "buy", Type: "market", Amount: "0.001"}
	key := trading.NewIdempotencyKey() // store it with the intent to buy, then send
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.CreateOrder(ctx, req, key)
	var orderErr *trading.OrderError
	if errors.As(err, &orderErr) && trading.IsRetryable(err) {
		fmt.Println("first attempt:", orderErr.Err.(*trading.Error).Code)
		// Same request, same key: answers the order Binance has, or places it once.
		res, err = c.CreateOrder(ctx, req, orderErr.IdempotencyKey)
	}
	if err != nil {
		fmt.Println("failed:", err)
		return
	}
	fmt.Println(res.Order.Status, *res.Order.Filled, "BTC; same key:", res.IdempotencyKey == key)
	// Output:
	// first attempt: EXCHANGE_TIMEOUT
	// closed 0.001 BTC; same key: true
}

// Walk the user's order history page by page.
func ExampleClient_FetchOrders() {
	srv := functions()
	defer srv.Close()
	c := trading.NewServiceClient(srv.URL, "<service-role key>").ForUser("<user uuid>")
	req := trading.OrdersRequest{Symbol: "BTC/USDT", Limit: 100, Since: time.Now().Add(-24 * time.Hour)}
	for {
		page, err := c.FetchOrders(context.Background(), req)
		if err != nil {
			fmt.Println(err)
			return
		}
		for _, o := range page.Orders {
			fmt.Println(o.Account, *o.ID, o.Side, o.Status, *o.Filled)
		}
		if page.NextCursor == nil {
			break
		}
		req.Cursor = *page.NextCursor
	}
	// Output:
	// default 3 sell closed 0.01
	// default 2 buy open 0
}

// Open positions valued at Binance's last price.
func ExampleClient_FetchPositions() {
	srv := functions()
	defer srv.Close()
	c := trading.NewUserClient(srv.URL, "<the user's access token>")
	res, err := c.FetchPositions(context.Background(), trading.PositionsRequest{IncludeUnrealizedPnL: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range res.Positions {
		fmt.Println(p.Symbol, *p.Quantity, "@", *p.EntryPrice, "now", *p.CurrentPrice, "PnL", *p.UnrealizedPnL)
	}
	// Output:
	// BTC/USDT 0.00999 @ 50000 now 51000 PnL 9.99
}

// Errors are typed: the code says what to do next.
func ExampleError() {
	srv := functions()
	defer srv.Close()
	c := trading.NewUserClient(srv.URL, "<the user's access token>")
	_, err := c.FetchBalance(context.Background(), trading.BalanceRequest{Account: "savings"})
	var apiErr *trading.Error
	if errors.As(err, &apiErr) {
		switch apiErr.Code {
		case trading.CodeCredentialsMissing:
			fmt.Println("save a Binance key first (SaveKeys); status", apiErr.Status)
		case trading.CodeRateLimited:
			fmt.Println("wait", apiErr.RetryAfter, "seconds")
		default:
			fmt.Println(apiErr.Code, apiErr.Retryable)
		}
	}
	// Output:
	// save a Binance key first (SaveKeys); status 409
}
