// The contract app: models on the node, a model page (predict, add, contributions, history).
import { getJSON } from "../shared/api";
import { el, fill } from "../shared/dom";
import { onRoute } from "../shared/router";

interface Info {
  rpc: string | null;
  dev_accounts: boolean;
}

onRoute("contracts", async (root) => {
  const info = await getJSON<Info>("/api/chain/info");
  fill(root, el("h1", {}, "Contracts"), el("p", {}, info.rpc ? `node ${info.rpc}` : "no node: start with --rpc URL"));
});
