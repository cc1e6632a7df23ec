import { serve } from "../_shared/http/server.ts";
import { fetchPositions } from "../_shared/ops/fetch_positions.ts";

serve(fetchPositions);
