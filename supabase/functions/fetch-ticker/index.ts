import { serve } from "../_shared/http/server.ts";
import { fetchTicker } from "../_shared/ops/reads.ts";

serve(fetchTicker);
