import { serve } from "../_shared/http/server.ts";
import { fetchOpenOrders } from "../_shared/ops/reads.ts";

serve(fetchOpenOrders);
