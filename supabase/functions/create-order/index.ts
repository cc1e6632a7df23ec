import { serve } from "../_shared/http/server.ts";
import { createOrder } from "../_shared/ops/create_order.ts";

serve(createOrder);
