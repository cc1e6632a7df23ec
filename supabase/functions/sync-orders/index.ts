import { serve } from "../_shared/http/server.ts";
import { syncOrders } from "../_shared/ops/sync_orders.ts";

serve(syncOrders);
