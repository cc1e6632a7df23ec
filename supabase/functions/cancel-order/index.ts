import { serve } from "../_shared/http/server.ts";
import { cancelOrder } from "../_shared/ops/order_ops.ts";

serve(cancelOrder);
