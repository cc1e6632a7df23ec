/**
 * Types of the generated module vendor/ccxt_binance.js (dev/vendor_build.ts): ccxt's own, for
 * the parts the build exports. A type-only reference: Supabase's bundler builds the code graph
 * only, so the npm package never enters a deploy bundle through this file.
 */
import type ccxt from "ccxt";

export declare const binance: typeof ccxt.binance;
/** ccxt pro's binance: its WebSocket parsers, used by stream-fills. */
export declare const proBinance: typeof ccxt.pro.binance;
/** Every error class of ccxt's base/errors.js. */
export declare const BaseError: typeof ccxt.BaseError;
export declare const ExchangeError: typeof ccxt.ExchangeError;
export declare const AuthenticationError: typeof ccxt.AuthenticationError;
export declare const PermissionDenied: typeof ccxt.PermissionDenied;
export declare const AccountNotEnabled: typeof ccxt.AccountNotEnabled;
export declare const AccountSuspended: typeof ccxt.AccountSuspended;
export declare const ArgumentsRequired: typeof ccxt.ArgumentsRequired;
export declare const BadRequest: typeof ccxt.BadRequest;
export declare const BadSymbol: typeof ccxt.BadSymbol;
export declare const OperationRejected: typeof ccxt.OperationRejected;
export declare const NoChange: typeof ccxt.NoChange;
export declare const MarginModeAlreadySet: typeof ccxt.MarginModeAlreadySet;
export declare const MarketClosed: typeof ccxt.MarketClosed;
export declare const ManualInteractionNeeded: typeof ccxt.ManualInteractionNeeded;
export declare const RestrictedLocation: typeof ccxt.RestrictedLocation;
export declare const InsufficientFunds: typeof ccxt.InsufficientFunds;
export declare const InvalidAddress: typeof ccxt.InvalidAddress;
export declare const AddressPending: typeof ccxt.AddressPending;
export declare const InvalidOrder: typeof ccxt.InvalidOrder;
export declare const OrderNotFound: typeof ccxt.OrderNotFound;
export declare const OrderNotCached: typeof ccxt.OrderNotCached;
export declare const OrderImmediatelyFillable: typeof ccxt.OrderImmediatelyFillable;
export declare const OrderNotFillable: typeof ccxt.OrderNotFillable;
export declare const DuplicateOrderId: typeof ccxt.DuplicateOrderId;
export declare const ContractUnavailable: typeof ccxt.ContractUnavailable;
export declare const NotSupported: typeof ccxt.NotSupported;
export declare const InvalidProxySettings: typeof ccxt.InvalidProxySettings;
export declare const ExchangeClosedByUser: typeof ccxt.ExchangeClosedByUser;
export declare const OperationFailed: typeof ccxt.OperationFailed;
export declare const NetworkError: typeof ccxt.NetworkError;
export declare const DDoSProtection: typeof ccxt.DDoSProtection;
export declare const RateLimitExceeded: typeof ccxt.RateLimitExceeded;
export declare const ExchangeNotAvailable: typeof ccxt.ExchangeNotAvailable;
export declare const OnMaintenance: typeof ccxt.OnMaintenance;
export declare const InvalidNonce: typeof ccxt.InvalidNonce;
export declare const ChecksumError: typeof ccxt.ChecksumError;
export declare const RequestTimeout: typeof ccxt.RequestTimeout;
export declare const BadResponse: typeof ccxt.BadResponse;
export declare const NullResponse: typeof ccxt.NullResponse;
export declare const CancelPending: typeof ccxt.CancelPending;
export declare const UnsubscribeError: typeof ccxt.UnsubscribeError;
