import { serve } from "../_shared/http/server.ts";
import { streamFills } from "../_shared/ops/stream_fills.ts";

serve(streamFills);
