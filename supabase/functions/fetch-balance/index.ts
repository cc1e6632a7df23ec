import { serve } from "../_shared/http/server.ts";
import { fetchBalance } from "../_shared/ops/reads.ts";

serve(fetchBalance);
