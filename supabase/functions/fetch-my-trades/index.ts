import { serve } from "../_shared/http/server.ts";
import { fetchMyTrades } from "../_shared/ops/reads.ts";

serve(fetchMyTrades);
