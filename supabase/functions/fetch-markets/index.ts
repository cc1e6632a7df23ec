import { serve } from "../_shared/http/server.ts";
import { fetchMarkets } from "../_shared/ops/reads.ts";

serve(fetchMarkets);
