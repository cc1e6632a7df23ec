// Package trading is a typed client for the Binance Spot trading Edge Functions, for a Go
// backend: standard library only. It either forwards a user's JWT or acts as a trusted
// server (service-role or secret key) for a named user.
//
// Reads and cancels are retried with exponential backoff and jitter inside the context's
// deadline. CreateOrder requires an idempotency key (NewIdempotencyKey makes one): keep it
// with your intent before the call, and after any error call CreateOrder again with the
// same key: Binance then holds at most one order for it.
package trading

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Client calls the functions at BaseURL (e.g. https://<ref>.supabase.co/functions/v1).
type Client struct {
	BaseURL    string
	HTTPClient *http.Client
	// MaxRetries bounds the retries of one call (default 3).
	MaxRetries int
	token      string
	userID     string
}

// NewUserClient forwards a signed-in user's access token.
func NewUserClient(baseURL, accessToken string) *Client {
	return &Client{
		BaseURL:    strings.TrimRight(baseURL, "/"),
		HTTPClient: &http.Client{Timeout: 30 * time.Second},
		MaxRetries: 3,
		token:      accessToken,
	}
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
	Code       string         `json:"code"` // one of the Code* constants
	Message    string         `json:"message"`
	Retryable  bool           `json:"retryable"`
	RequestID  string         `json:"request_id"`
	Field      string         `json:"field,omitempty"`
	RetryAfter float64        `json:"retry_after,omitempty"` // seconds
	Details    map[string]any `json:"details,omitempty"`
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s (%d): %s [request %s]", e.Code, e.Status, e.Message, e.RequestID)
}

// OrderError is what CreateOrder returns on any failure: the key the order was sent with
// and the cause (an *Error, a transport error or the context's error). Whether or not
// Binance received the order, calling CreateOrder again with the same IdempotencyKey is
// safe: it answers the order Binance has, or places it once.
type OrderError struct {
	IdempotencyKey string
	Err            error
}

func (e *OrderError) Error() string {
	return fmt.Sprintf("create-order (idempotency key %s): %v", e.IdempotencyKey, e.Err)
}

func (e *OrderError) Unwrap() error { return e.Err }

// ErrIdempotencyKeyRequired: CreateOrder was called with neither a key nor a ClientOrderID.
var ErrIdempotencyKeyRequired = errors.New("trading: CreateOrder needs an idempotency key (NewIdempotencyKey) or a ClientOrderID")

// ErrInvalidIdempotencyKey: the key does not match ClientOrderIDPattern (e.g. "order:42",
// which Binance Spot refuses as a client order id).
var ErrInvalidIdempotencyKey = errors.New("trading: an idempotency key is 1-36 characters of A-Z a-z 0-9 - _")

// ClientOrderIDPattern is Binance Spot's pattern for client order ids: a key matching it is
// sent to Binance as the order's client order id unchanged.
var ClientOrderIDPattern = regexp.MustCompile(`^[a-zA-Z0-9-_]{1,36}$`)

// NewIdempotencyKey returns a fresh random key (32 hex characters, matching
// ClientOrderIDPattern). Store it with the order you mean to place before calling CreateOrder.
func NewIdempotencyKey() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("trading: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// IsRetryable reports whether err is worth retrying (for create-order: with the same key).
func IsRetryable(err error) bool {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr.Retryable
	}
	return err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) &&
		!errors.Is(err, ErrIdempotencyKeyRequired) && !errors.Is(err, ErrInvalidIdempotencyKey)
}

// jitter is a uniform float in [0, 1) from crypto/rand: go 1.19's math/rand is unseeded, so
// every process would retry in lockstep.
func jitter() float64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0.5
	}
	return float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53)
}

// backoff is the wait before retry number attempt+1: 100 ms doubling, times 0.5-1.5.
func backoff(attempt int) time.Duration {
	return time.Duration(100*math.Pow(2, float64(attempt))*(0.5+jitter())) * time.Millisecond
}

type call struct {
	name, method   string
	in, out        any
	query          map[string]string
	idempotencyKey string
}

// do sends one call with the retry policy: retryable answers (the error's `retryable`, or a
// transport error) are retried with backoff and jitter, honouring Retry-After, while the
// context allows. A create-order call is retryable only because it carries its key.
func (c *Client) do(ctx context.Context, k call) error {
	var payload []byte
	if k.method != http.MethodGet {
		var err error
		if payload, err = json.Marshal(c.withUser(k.in)); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, k, payload)
		if err == nil || attempt >= c.MaxRetries || !IsRetryable(err) {
			return err
		}
		delay := backoff(attempt)
		var apiErr *Error
		if errors.As(err, &apiErr) && apiErr.RetryAfter > 0 {
			delay = time.Duration(apiErr.RetryAfter * float64(time.Second))
		}
		if deadline, ok := ctx.Deadline(); ok && time.Now().Add(delay).After(deadline) {
			return err
		}
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
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

func (c *Client) once(ctx context.Context, k call, payload []byte) error {
	target := c.BaseURL + "/" + k.name
	if k.method == http.MethodGet {
		q := url.Values{}
		for key, v := range k.query {
			q.Set(key, v)
		}
		if c.userID != "" {
			q.Set("user_id", c.userID)
		}
		if len(q) > 0 {
			target += "?" + q.Encode()
		}
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, k.method, target, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if k.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", k.idempotencyKey)
	}
	res, err := c.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 16<<20))
	if err != nil {
		return err
	}
	if res.StatusCode >= 300 {
		var envelope struct {
			Error *Error `json:"error"`
		}
		if json.Unmarshal(raw, &envelope) != nil || envelope.Error == nil {
			return &Error{Status: res.StatusCode, Code: CodeInternal, Message: http.StatusText(res.StatusCode), Retryable: res.StatusCode >= 500}
		}
		envelope.Error.Status = res.StatusCode
		if ra, err := strconv.ParseFloat(res.Header.Get("Retry-After"), 64); err == nil && envelope.Error.RetryAfter == 0 {
			envelope.Error.RetryAfter = ra
		}
		return envelope.Error
	}
	return json.Unmarshal(raw, k.out)
}
