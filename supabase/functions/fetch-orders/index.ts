import { serve } from "../_shared/http/server.ts";
import { fetchOrders } from "../_shared/ops/fetch_orders.ts";

serve(fetchOrders);
