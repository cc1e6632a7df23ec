package trading

import (
	"context"
	"net/http"
	"time"
)

// CreateOrderRequest: market by Amount (or Cost for buys), limit with Amount and Price.
// Amounts are decimal strings. Account is the label of one of the user's exchange accounts
// ("" = the default one).
type CreateOrderRequest struct {
	Symbol        string `json:"symbol"`
	Side          string `json:"side"` // buy or sell
	Type          string `json:"type"` // market or limit
	Amount        string `json:"amount,omitempty"`
	Cost          string `json:"cost,omitempty"`
	Price         string `json:"price,omitempty"`
	TimeInForce   string `json:"time_in_force,omitempty"` // GTC, IOC, FOK
	ClientOrderID string `json:"client_order_id,omitempty"`
	PositionID    string `json:"position_id,omitempty"`
	Account       string `json:"account,omitempty"`
}

// OrderRef names one order by ID (Binance's) or ClientOrderID.
type OrderRef struct {
	Symbol        string `json:"symbol"`
	ID            string `json:"id,omitempty"`
	ClientOrderID string `json:"client_order_id,omitempty"`
	Account       string `json:"account,omitempty"`
}

// CreateOrder places an order under idempotencyKey. The key is required (or
// req.ClientOrderID, which then serves as the key): create it with NewIdempotencyKey and
// keep it before the call. The result carries the key; so does every error, as an
// *OrderError. After any error, calling CreateOrder again with the same key and request is
// safe: the functions answer the order Binance has under that key, or place it once. A new
// key after an unknown outcome could buy twice.
func (c *Client) CreateOrder(ctx context.Context, req CreateOrderRequest, idempotencyKey string) (*OrderResult, error) {
	key := idempotencyKey
	if key == "" {
		key = req.ClientOrderID
	}
	if key == "" {
		return nil, &OrderError{Err: ErrIdempotencyKeyRequired}
	}
	if idempotencyKey != "" && !ClientOrderIDPattern.MatchString(idempotencyKey) {
		return nil, &OrderError{IdempotencyKey: key, Err: ErrInvalidIdempotencyKey}
	}
	out := OrderResult{IdempotencyKey: key}
	err := c.do(ctx, call{name: "create-order", method: http.MethodPost, in: req, out: &out, idempotencyKey: idempotencyKey})
	if err != nil {
		return nil, &OrderError{IdempotencyKey: key, Err: err}
	}
	return &out, nil
}

// CancelOrder cancels an order (safe to retry: a second cancel reports the canceled order).
func (c *Client) CancelOrder(ctx context.Context, ref OrderRef) (*OrderResult, error) {
	var out OrderResult
	return &out, c.do(ctx, call{name: "cancel-order", method: http.MethodPost, in: ref, out: &out})
}

// FetchOrder reads an order from Binance and refreshes its fills and position.
func (c *Client) FetchOrder(ctx context.Context, ref OrderRef) (*OrderResult, error) {
	var out OrderResult
	return &out, c.do(ctx, call{name: "fetch-order", method: http.MethodPost, in: ref, out: &out})
}

// OpenOrdersRequest: one symbol, or all ("").
type OpenOrdersRequest struct {
	Symbol  string `json:"symbol,omitempty"`
	Account string `json:"account,omitempty"`
}

// FetchOpenOrders lists the open orders Binance holds for the account.
func (c *Client) FetchOpenOrders(ctx context.Context, req OpenOrdersRequest) ([]Order, error) {
	var out struct {
		Orders []Order `json:"orders"`
	}
	err := c.do(ctx, call{name: "fetch-open-orders", method: http.MethodPost, in: req, out: &out})
	return out.Orders, err
}

// FetchTicker reads the ticker of a symbol.
func (c *Client) FetchTicker(ctx context.Context, symbol string) (*Ticker, error) {
	var out Ticker
	return &out, c.do(ctx, call{name: "fetch-ticker", method: http.MethodPost, in: map[string]string{"symbol": symbol}, out: &out})
}

// BalanceRequest names the account ("" = the default one).
type BalanceRequest struct {
	Account string `json:"account,omitempty"`
}

// FetchBalance reads the non-zero balances of an account.
func (c *Client) FetchBalance(ctx context.Context, req BalanceRequest) (*BalanceResult, error) {
	var out BalanceResult
	return &out, c.do(ctx, call{name: "fetch-balance", method: http.MethodPost, in: req, out: &out})
}

// MyTradesRequest: the fills of one symbol, from Since (zero: Binance's default window),
// at most Limit (0: Binance's default, at most 1000).
type MyTradesRequest struct {
	Symbol  string
	Since   time.Time
	Limit   int
	Account string
}

// FetchMyTrades reads the user's fills of a symbol from Binance (new ones are recorded).
func (c *Client) FetchMyTrades(ctx context.Context, req MyTradesRequest) (*MyTradesResult, error) {
	in := map[string]any{"symbol": req.Symbol}
	if !req.Since.IsZero() {
		in["since"] = req.Since.UnixMilli()
	}
	if req.Limit > 0 {
		in["limit"] = req.Limit
	}
	if req.Account != "" {
		in["account"] = req.Account
	}
	var out MyTradesResult
	return &out, c.do(ctx, call{name: "fetch-my-trades", method: http.MethodPost, in: in, out: &out})
}

// OrdersRequest filters fetch-orders; every field is optional. Since is inclusive, Until
// exclusive (on the time the order was recorded). Limit is 1-100 (0: 50). Cursor is the
// previous page's NextCursor.
type OrdersRequest struct {
	Account      string
	Symbol       string
	Status       string // pending, open, closed, canceled, rejected, expired
	Side         string // buy or sell
	Since        time.Time
	Until        time.Time
	Limit        int
	Cursor       string
	IncludeFills bool
}

// FetchOrders lists the user's recorded orders, newest first, one page at a time (no
// Binance request). All accounts unless Account names one.
func (c *Client) FetchOrders(ctx context.Context, req OrdersRequest) (*OrdersResult, error) {
	in := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			in[k] = v
		}
	}
	set("account", req.Account)
	set("symbol", req.Symbol)
	set("status", req.Status)
	set("side", req.Side)
	set("cursor", req.Cursor)
	if !req.Since.IsZero() {
		in["since"] = req.Since.UnixMilli()
	}
	if !req.Until.IsZero() {
		in["until"] = req.Until.UnixMilli()
	}
	if req.Limit > 0 {
		in["limit"] = req.Limit
	}
	if req.IncludeFills {
		in["include_fills"] = true
	}
	var out OrdersResult
	return &out, c.do(ctx, call{name: "fetch-orders", method: http.MethodPost, in: in, out: &out})
}

// PositionsRequest filters fetch-positions. Status: open (""), closed or all.
// IncludeUnrealizedPnL values open positions at Binance's last price (one ticker request
// per symbol).
type PositionsRequest struct {
	Account              string
	Symbol               string
	Status               string
	Limit                int
	Cursor               string
	IncludeUnrealizedPnL bool
}

// FetchPositions lists the user's positions, newest first, one page at a time.
func (c *Client) FetchPositions(ctx context.Context, req PositionsRequest) (*PositionsResult, error) {
	in := map[string]any{}
	for k, v := range map[string]string{"account": req.Account, "symbol": req.Symbol, "status": req.Status, "cursor": req.Cursor} {
		if v != "" {
			in[k] = v
		}
	}
	if req.Limit > 0 {
		in["limit"] = req.Limit
	}
	if req.IncludeUnrealizedPnL {
		in["include_unrealized_pnl"] = true
	}
	var out PositionsResult
	return &out, c.do(ctx, call{name: "fetch-positions", method: http.MethodPost, in: in, out: &out})
}

// MarketsRequest filters fetch-markets (all optional).
type MarketsRequest struct {
	Symbol string `json:"symbol,omitempty"`
	Base   string `json:"base,omitempty"`
	Quote  string `json:"quote,omitempty"`
}

// FetchMarkets lists spot markets with precision and limits.
func (c *Client) FetchMarkets(ctx context.Context, req MarketsRequest) (*MarketsResult, error) {
	var out MarketsResult
	return &out, c.do(ctx, call{name: "fetch-markets", method: http.MethodPost, in: req, out: &out})
}

// SaveKeysRequest saves (or rotates, same Label) a Binance API key. Binance must allow it to
// read and trade spot and must not allow withdrawals.
type SaveKeysRequest struct {
	APIKey      string `json:"api_key"`
	Secret      string `json:"secret"`
	Label       string `json:"label,omitempty"`
	Environment string `json:"environment,omitempty"` // live (default) or testnet
}

// SaveKeys stores a key in Vault after checking it against Binance; returns its metadata.
func (c *Client) SaveKeys(ctx context.Context, req SaveKeysRequest) (*Account, error) {
	var out struct {
		Account Account `json:"account"`
	}
	err := c.do(ctx, call{name: "exchange-keys", method: http.MethodPost, in: req, out: &out})
	return &out.Account, err
}

// KeyStatus lists the user's saved keys (metadata only).
func (c *Client) KeyStatus(ctx context.Context) ([]Account, error) {
	var out struct {
		Accounts []Account `json:"accounts"`
	}
	err := c.do(ctx, call{name: "exchange-keys", method: http.MethodGet, out: &out})
	return out.Accounts, err
}

// RemoveKeys deletes a saved key ("" = the default account) from Vault.
func (c *Client) RemoveKeys(ctx context.Context, label string) (*Account, error) {
	in := map[string]any{}
	if label != "" {
		in["label"] = label
	}
	var out struct {
		Removed Account `json:"removed"`
	}
	err := c.do(ctx, call{name: "exchange-keys", method: http.MethodDelete, in: in, out: &out})
	return &out.Removed, err
}

// SyncOrders settles the user's pending and open orders.
func (c *Client) SyncOrders(ctx context.Context) (*SyncResult, error) {
	var out SyncResult
	return &out, c.do(ctx, call{name: "sync-orders", method: http.MethodPost, in: map[string]any{}, out: &out})
}

// StreamFills starts a stream-fills run (service callers only; Supabase Cron starts one every
// minute). With wait it answers at the run's end with its figures.
func (c *Client) StreamFills(ctx context.Context, wait bool) (*StreamFillsResult, error) {
	var out StreamFillsResult
	in := map[string]any{}
	if wait {
		in["wait"] = true
	}
	return &out, c.do(ctx, call{name: "stream-fills", method: http.MethodPost, in: in, out: &out})
}
