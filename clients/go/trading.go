// Package trading is a typed client for the Binance Spot trading Edge Functions, for a Go
// backend: standard library only. It either forwards a user's JWT or acts as a trusted server
// (service-role or secret key) for a named user. Reads and cancels are retried with
// exponential backoff and jitter inside the context's deadline; create-order is retried only
// with the same idempotency key (one is generated when the caller gives none), so a retry can
// never place a second order.
package trading

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	mrand "math/rand"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Client calls the functions at BaseURL (e.g. https://<ref>.supabase.co/functions/v1).
type Client struct {
	BaseURL    string
	HTTPClient *http.Client
	token      string
	userID     string
	// MaxRetries bounds the retries of one call (default 3).
	MaxRetries int
}

// NewUserClient forwards a signed-in user's access token.
func NewUserClient(baseURL, accessToken string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), token: accessToken, HTTPClient: &http.Client{Timeout: 30 * time.Second}, MaxRetries: 3}
}

// NewServiceClient acts as a trusted server with the service-role (or a secret) key.
// Call ForUser to name the user each request acts for.
func NewServiceClient(baseURL, serviceKey string) *Client {
	return NewUserClient(baseURL, serviceKey)
}

// ForUser returns a copy of a service client that acts for userID.
func (c *Client) ForUser(userID string) *Client {
	cp := *c
	cp.userID = userID
	return &cp
}

// Error is an error answered by a function.
type Error struct {
	Status     int            `json:"-"`
	Code       string         `json:"code"`
	Message    string         `json:"message"`
	Retryable  bool           `json:"retryable"`
	RequestID  string         `json:"request_id"`
	Field      string         `json:"field,omitempty"`
	RetryAfter float64        `json:"retry_after,omitempty"`
	Details    map[string]any `json:"details,omitempty"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d): %s [request %s]", e.Code, e.Status, e.Message, e.RequestID)
}

// Fee of an order or a trade.
type Fee struct {
	Cost     *string `json:"cost"`
	Currency *string `json:"currency"`
}

// Order as the functions return it; amounts are exact decimal strings.
type Order struct {
	ID            *string        `json:"id"`
	ClientOrderID *string        `json:"client_order_id"`
	Symbol        string         `json:"symbol"`
	Side          string         `json:"side"`
	Type          string         `json:"type"`
	TimeInForce   *string        `json:"time_in_force"`
	Status        string         `json:"status"`
	Price         *string        `json:"price"`
	Amount        *string        `json:"amount"`
	Filled        *string        `json:"filled"`
	Remaining     *string        `json:"remaining"`
	Average       *string        `json:"average"`
	Cost          *string        `json:"cost"`
	Fee           *Fee           `json:"fee"`
	PositionID    *string        `json:"position_id"`
	Error         map[string]any `json:"error"`
	CreatedAt     *string        `json:"created_at"`
	UpdatedAt     *string        `json:"updated_at"`
}

// Position of an account in a symbol.
type Position struct {
	ID          string  `json:"id"`
	Symbol      string  `json:"symbol"`
	Status      string  `json:"status"`
	Quantity    *string `json:"quantity"`
	EntryPrice  *string `json:"entry_price"`
	RealizedPnL *string `json:"realized_pnl"`
	FeesQuote   *string `json:"fees_quote"`
}

// OrderResult is the answer of create-order, cancel-order and fetch-order.
type OrderResult struct {
	Order    *Order    `json:"order"`
	Position *Position `json:"position"`
}

// CreateOrderRequest: market by Amount (or Cost for buys), limit with Price.
type CreateOrderRequest struct {
	Symbol        string `json:"symbol"`
	Side          string `json:"side"`
	Type          string `json:"type"`
	Amount        string `json:"amount,omitempty"`
	Cost          string `json:"cost,omitempty"`
	Price         string `json:"price,omitempty"`
	TimeInForce   string `json:"time_in_force,omitempty"`
	ClientOrderID string `json:"client_order_id,omitempty"`
	Account       string `json:"account,omitempty"`
}

// OrderRef names one order by ID or ClientOrderID.
type OrderRef struct {
	Symbol        string `json:"symbol"`
	ID            string `json:"id,omitempty"`
	ClientOrderID string `json:"client_order_id,omitempty"`
	Account       string `json:"account,omitempty"`
}

// Balance of one asset.
type Balance struct {
	Free  string `json:"free"`
	Used  string `json:"used"`
	Total string `json:"total"`
}

// BalanceResult is the answer of fetch-balance.
type BalanceResult struct {
	Account  string             `json:"account"`
	Balances map[string]Balance `json:"balances"`
}

// Ticker of one symbol.
type Ticker struct {
	Symbol string  `json:"symbol"`
	Bid    *string `json:"bid"`
	Ask    *string `json:"ask"`
	Last   *string `json:"last"`
}

// Trade is one fill.
type Trade struct {
	ID      *string `json:"id"`
	OrderID *string `json:"order_id"`
	Symbol  string  `json:"symbol"`
	Side    *string `json:"side"`
	Price   *string `json:"price"`
	Amount  *string `json:"amount"`
	Fee     *Fee    `json:"fee"`
}

// SyncResult is the answer of sync-orders.
type SyncResult struct {
	Checked     int `json:"checked"`
	Recorded    int `json:"recorded"`
	NotReceived int `json:"not_received"`
	Failed      int `json:"failed"`
}

// CreateOrder places an order. With no idempotency key one is generated, so that the
// retries of this call (network errors, 5xx, 429) can only ever return the same order.
func (c *Client) CreateOrder(ctx context.Context, req CreateOrderRequest, idempotencyKey string) (*OrderResult, error) {
	if idempotencyKey == "" && req.ClientOrderID == "" {
		idempotencyKey = newKey()
	}
	var out OrderResult
	return &out, c.do(ctx, "create-order", http.MethodPost, req, &out, idempotencyKey, true)
}

// CancelOrder cancels an order (safe to retry: a second cancel reports the canceled order).
func (c *Client) CancelOrder(ctx context.Context, ref OrderRef) (*OrderResult, error) {
	var out OrderResult
	return &out, c.do(ctx, "cancel-order", http.MethodPost, ref, &out, "", true)
}

// FetchOrder reads an order and refreshes its fills and position.
func (c *Client) FetchOrder(ctx context.Context, ref OrderRef) (*OrderResult, error) {
	var out OrderResult
	return &out, c.do(ctx, "fetch-order", http.MethodPost, ref, &out, "", true)
}

// FetchOpenOrders lists open orders of one symbol, or all when symbol is "".
func (c *Client) FetchOpenOrders(ctx context.Context, symbol string) ([]Order, error) {
	var out struct {
		Orders []Order `json:"orders"`
	}
	body := map[string]any{}
	if symbol != "" {
		body["symbol"] = symbol
	}
	err := c.do(ctx, "fetch-open-orders", http.MethodPost, body, &out, "", true)
	return out.Orders, err
}

// FetchTicker reads the ticker of a symbol.
func (c *Client) FetchTicker(ctx context.Context, symbol string) (*Ticker, error) {
	var out Ticker
	return &out, c.do(ctx, "fetch-ticker", http.MethodPost, map[string]any{"symbol": symbol}, &out, "", true)
}

// FetchBalance reads the non-zero balances.
func (c *Client) FetchBalance(ctx context.Context) (*BalanceResult, error) {
	var out BalanceResult
	return &out, c.do(ctx, "fetch-balance", http.MethodPost, map[string]any{}, &out, "", true)
}

// FetchMyTrades reads the user's fills of a symbol (limit 0 = the default).
func (c *Client) FetchMyTrades(ctx context.Context, symbol string, limit int) ([]Trade, error) {
	var out struct {
		Trades []Trade `json:"trades"`
	}
	body := map[string]any{"symbol": symbol}
	if limit > 0 {
		body["limit"] = limit
	}
	err := c.do(ctx, "fetch-my-trades", http.MethodPost, body, &out, "", true)
	return out.Trades, err
}

// SyncOrders settles the user's pending and open orders.
func (c *Client) SyncOrders(ctx context.Context) (*SyncResult, error) {
	var out SyncResult
	return &out, c.do(ctx, "sync-orders", http.MethodPost, map[string]any{}, &out, "", true)
}

func newKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "go-" + hex.EncodeToString(b)
}

// do sends one call with the retry policy: retryable answers (the error's `retryable`, or a
// transport error) are retried with backoff and jitter, honouring Retry-After, while the
// context allows. A create-order call is retryable only because it carries its key.
func (c *Client) do(ctx context.Context, name, method string, in, out any, idempotencyKey string, retry bool) error {
	payload, err := json.Marshal(c.withUser(in))
	if err != nil {
		return err
	}
	max := c.MaxRetries
	if !retry {
		max = 0
	}
	for attempt := 0; ; attempt++ {
		err = c.once(ctx, name, method, payload, out, idempotencyKey)
		if err == nil || attempt >= max || !retryable(err) {
			return err
		}
		delay := time.Duration(100*math.Pow(2, float64(attempt))*(0.5+mrand.Float64())) * time.Millisecond
		var apiErr *Error
		if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
			delay = time.Duration(apiErr.RetryAfter * float64(time.Second))
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(delay).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

func retryable(err error) bool {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Retryable
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

func (c *Client) withUser(in any) any {
	if c.userID == "" {
		return in
	}
	raw, _ := json.Marshal(in)
	m := map[string]any{}
	_ = json.Unmarshal(raw, &m)
	m["user_id"] = c.userID
	return m
}

func (c *Client) once(ctx context.Context, name, method string, payload []byte, out any, idempotencyKey string) error {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+"/"+name, bytes.NewReader(payload))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	res, err := c.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		var envelope struct {
			Error *Error `json:"error"`
		}
		if json.Unmarshal(body, &envelope) != nil || envelope.Error == nil {
			return &Error{Status: res.StatusCode, Code: "INTERNAL", Message: http.StatusText(res.StatusCode), Retryable: res.StatusCode >= 500}
		}
		envelope.Error.Status = res.StatusCode
		if ra, err := strconv.ParseFloat(res.Header.Get("Retry-After"), 64); err == nil && envelope.Error.RetryAfter == 0 {
			envelope.Error.RetryAfter = ra
		}
		return envelope.Error
	}
	return json.Unmarshal(body, out)
}
