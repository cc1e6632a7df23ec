import { serve } from "../_shared/http/server.ts";
import { fetchOrder } from "../_shared/ops/order_ops.ts";

serve(fetchOrder);
