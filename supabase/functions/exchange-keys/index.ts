import { serve } from "../_shared/http/server.ts";
import { exchangeKeys } from "../_shared/ops/exchange_keys.ts";

serve(exchangeKeys);
