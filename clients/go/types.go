package trading

// Answers of the functions. Amounts are exact decimal strings (parse them with a decimal
// library, never float64); times are RFC 3339 strings. A pointer is null in the JSON.

// Fee of an order or a trade.
type Fee struct {
	Cost     *string `json:"cost"`
	Currency *string `json:"currency"`
}

// Order as the functions return it.
type Order struct {
	ID            *string        `json:"id"` // Binance's order id
	ClientOrderID *string        `json:"client_order_id"`
	Symbol        string         `json:"symbol"`
	Side          string         `json:"side"`
	Type          string         `json:"type"`
	TimeInForce   *string        `json:"time_in_force"`
	Status        string         `json:"status"` // pending, open, closed, canceled, rejected, expired
	Price         *string        `json:"price"`
	Amount        *string        `json:"amount"`
	QuoteAmount   *string        `json:"quote_amount"`
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
	ID          string            `json:"id"`
	Symbol      string            `json:"symbol"`
	Status      string            `json:"status"` // open or closed
	Quantity    *string           `json:"quantity"`
	EntryPrice  *string           `json:"entry_price"`
	RealizedPnL *string           `json:"realized_pnl"`
	FeesQuote   *string           `json:"fees_quote"`
	FeesBase    *string           `json:"fees_base"`
	FeesOther   map[string]string `json:"fees_other"`
	OpenedAt    *string           `json:"opened_at"`
	ClosedAt    *string           `json:"closed_at"`
	UpdatedAt   *string           `json:"updated_at"`
}

// OrderResult is the answer of create-order, cancel-order and fetch-order.
type OrderResult struct {
	Order    *Order    `json:"order"`
	Position *Position `json:"position"`
	// IdempotencyKey is the key create-order was sent with (not part of the JSON).
	IdempotencyKey string `json:"-"`
}

// Trade is one fill.
type Trade struct {
	ID           *string `json:"id"`
	OrderID      *string `json:"order_id"`
	Symbol       string  `json:"symbol"`
	Side         *string `json:"side"`
	Price        *string `json:"price"`
	Amount       *string `json:"amount"`
	Cost         *string `json:"cost"`
	Fee          *Fee    `json:"fee"`
	TakerOrMaker *string `json:"taker_or_maker"`
	Timestamp    *string `json:"timestamp"`
}

// MyTradesResult is the answer of fetch-my-trades.
type MyTradesResult struct {
	Trades        []Trade `json:"trades"`
	FillsRecorded int     `json:"fills_recorded"`
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

// Ticker of one symbol, with the 24 h figures.
type Ticker struct {
	Symbol        string  `json:"symbol"`
	Timestamp     *string `json:"timestamp"`
	Bid           *string `json:"bid"`
	Ask           *string `json:"ask"`
	Last          *string `json:"last"`
	Open          *string `json:"open"`
	High          *string `json:"high"`
	Low           *string `json:"low"`
	BaseVolume    *string `json:"base_volume"`
	QuoteVolume   *string `json:"quote_volume"`
	ChangePercent any     `json:"change_percent"` // a decimal string (or number), or nil
}

// MinMax is a pair of optional limits.
type MinMax struct {
	Min *string `json:"min"`
	Max *string `json:"max"`
}

// Market is a spot market with its precision and limits.
type Market struct {
	Symbol    string `json:"symbol"`
	ID        string `json:"id"`
	Base      string `json:"base"`
	Quote     string `json:"quote"`
	Active    bool   `json:"active"`
	Precision struct {
		Amount *string `json:"amount"`
		Price  *string `json:"price"`
	} `json:"precision"`
	Limits struct {
		Amount MinMax `json:"amount"`
		Price  MinMax `json:"price"`
		Cost   MinMax `json:"cost"`
	} `json:"limits"`
}

// MarketsResult is the answer of fetch-markets.
type MarketsResult struct {
	Count   int      `json:"count"`
	Markets []Market `json:"markets"`
}

// Account is a saved Binance key's metadata (never the key or the secret).
type Account struct {
	ID          string         `json:"id"`
	Label       string         `json:"label"`
	Exchange    string         `json:"exchange"`
	Environment string         `json:"environment"`
	KeyHint     string         `json:"key_hint"` // last 4 characters of the API key
	Permissions map[string]any `json:"permissions"`
	IsDefault   bool           `json:"is_default"`
	CreatedAt   string         `json:"created_at"`
	RotatedAt   *string        `json:"rotated_at"`
	UpdatedAt   string         `json:"updated_at"`
}

// SyncedOrder is one order sync-orders looked at.
type SyncedOrder struct {
	ClientOrderID string `json:"client_order_id"`
	Status        string `json:"status"`
	Result        string `json:"result"` // recorded, not_received or failed
	Error         string `json:"error,omitempty"`
}

// SyncResult is the answer of sync-orders.
type SyncResult struct {
	Checked     int           `json:"checked"`
	Recorded    int           `json:"recorded"`
	Unchanged   int           `json:"unchanged"` // open orders with nothing new on Binance
	NotReceived int           `json:"not_received"`
	Failed      int           `json:"failed"`
	Deferred    int           `json:"deferred"` // left for the next run (its weight cap)
	Accounts    int           `json:"accounts"`
	Weight      int           `json:"weight"` // Binance request weight the run used
	Orders      []SyncedOrder `json:"orders"`
}

// StreamFillsResult is stream-fills' answer: Started and RunSeconds when the run goes on in
// the background (the default), the run's figures when asked to wait for its end.
type StreamFillsResult struct {
	Started          bool `json:"started"`
	RunSeconds       int  `json:"run_seconds"`
	Accounts         int  `json:"accounts"`
	Subscribed       int  `json:"subscribed"`
	SubscribeRefused int  `json:"subscribe_refused"`
	Terminated       int  `json:"terminated"`
	Connections      int  `json:"connections"`
	Reconnects       int  `json:"reconnects"`
	Events           int  `json:"events"`
	Reports          int  `json:"reports"`
	Applied          int  `json:"applied"`
	Duplicates       int  `json:"duplicates"`
	Stale            int  `json:"stale"`
	Gaps             int  `json:"gaps"`
	ReconciledOrders int  `json:"reconciled_orders"`
	Errors           int  `json:"errors"`
}

// HistoryOrder is a stored order as fetch-orders lists it.
type HistoryOrder struct {
	Order
	Account string  `json:"account"` // label of the exchange account
	Fills   []Trade `json:"fills"`   // only with IncludeFills
}

// OrdersResult is one page of fetch-orders.
type OrdersResult struct {
	Orders     []HistoryOrder `json:"orders"`
	NextCursor *string        `json:"next_cursor"` // nil on the last page
}

// HistoryPosition is a position as fetch-positions lists it.
type HistoryPosition struct {
	Position
	Account string `json:"account"`
	// CurrentPrice and UnrealizedPnL only with IncludeUnrealizedPnL (nil for closed positions):
	// Binance's last price and (CurrentPrice - EntryPrice) * Quantity in the quote asset.
	CurrentPrice  *string `json:"current_price"`
	UnrealizedPnL *string `json:"unrealized_pnl"`
}

// PositionsResult is one page of fetch-positions.
type PositionsResult struct {
	Positions  []HistoryPosition `json:"positions"`
	NextCursor *string           `json:"next_cursor"`
}
