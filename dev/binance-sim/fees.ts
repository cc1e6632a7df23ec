/**
 * Commission on a fill (faqs/commission_faq.md). The standard rate is charged in the asset
 * received (buy: base, sell: quote). An account with the BNB discount enabled pays in BNB
 * instead when its free BNB covers it: the commission is converted to BNB at the market's
 * price and reduced by the discount rate, 25% (rest-api.md "Test new order": "Standard
 * commission is reduced by this rate"). commission_faq.md's worked example multiplies by
 * the rate instead; its figures are stated to be fictional, and the two pages disagree.
 */
import type { Account, Exchange } from "./exchange.ts";

export const COMMISSION_RATE = 0.001;
export const BNB_DISCOUNT = 0.25;

const r8 = (x: number) => Math.round(x * 1e8) / 1e8;

/** What one unit of `asset` is worth in BNB, through the asset's BNB or USDT market. */
function inBnb(ex: Exchange, asset: string): number | undefined {
  if (asset === "BNB") return 1;
  const direct = ex.markets.get(`${asset}BNB`) ?? undefined;
  if (direct) return direct.price;
  const inverse = ex.markets.get(`BNB${asset}`);
  if (inverse) return 1 / inverse.price;
  const bnbUsdt = ex.markets.get("BNBUSDT");
  if (!bnbUsdt) return undefined;
  if (asset === "USDT") return 1 / bnbUsdt.price;
  const assetUsdt = ex.markets.get(`${asset}USDT`);
  return assetUsdt ? assetUsdt.price / bnbUsdt.price : undefined;
}

/**
 * The commission for receiving `received` of `asset`, and the asset it is paid in. Takes
 * the BNB from the account's free balance when it pays in BNB.
 */
export function chargeCommission(
  ex: Exchange,
  account: Account,
  asset: string,
  received: number,
): { commission: number; commissionAsset: string } {
  const standard = r8(received * COMMISSION_RATE);
  if (account.bnbBurn && asset !== "BNB") {
    const rate = inBnb(ex, asset);
    const bnb = ex.balance(account, "BNB");
    if (rate !== undefined) {
      const inBnbAmount = r8(standard * rate * (1 - BNB_DISCOUNT));
      if (inBnbAmount > 0 && bnb.free >= inBnbAmount) {
        bnb.free = r8(bnb.free - inBnbAmount);
        return { commission: inBnbAmount, commissionAsset: "BNB" };
      }
    }
  }
  return { commission: standard, commissionAsset: asset };
}
