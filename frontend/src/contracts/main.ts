// The contract app: the models on the node (#/contracts) and a model's page (#/contracts/0xADDRESS)
// with Predict, Add data, My contributions, Others' contributions and History. Every check and every
// word about a claim comes from the server (sumchain.live); this page only shows them, as text.
import { ApiError, getJSON, postJSON } from "../shared/api";
import { el, fill, table } from "../shared/dom";
import { link, onRoute } from "../shared/router";
import { type AccuracyPoint, accuracyChart } from "./accuracy_chart";
import { historyChart } from "./history_chart";
import { connect, discover, type Wallet, walletMessage, wallets } from "./wallet";

interface Money { wei: string; coins: string }
interface Account { address: string }
interface Models { chain_id: number; models: ModelRow[]; skipped: { file: string; reason: string }[] }
interface Info { rpc: string | null; chain_id: number | null; dev_accounts: boolean; accounts: Account[] }
interface ModelRow { file: string; address: string; family: string; mechanism: string; contributions: number; verified: number }
interface Model {
  address: string; chain_id: number; file: string | null; parameters: Record<string, any>; class_names: string[];
  text: boolean; cost_to_add: Money | null; cost_refusal: string | null; contributions: number; verified: number;
  first_block: number; block: number; time_utc: string; refund_wait: string; page_blocks: number;
}
interface Payout { kind: string; claimer: string; amount: Money; block: number }
interface Row {
  id: number; author: string; label: number; class_name: string; deposit: Money; added_utc: string; action?: string;
  words?: string; sample_words: string[] | null; features: number[]; payouts: Payout[]; block: number;
}
interface Range { from_block: number; to_block: number; first_block: number; latest: number }

type Signer = { kind: "dev"; address: string } | { kind: "wallet"; address: string; wallet: Wallet };

let info: Info | null = null;
let signer: Signer | null = null;
discover();

const coins = (m: Money | null | undefined) => (m ? `${m.coins} coin${m.coins === "1" ? "" : "s"}` : "");
const short = (address: string) => `${address.slice(0, 8)}…${address.slice(-6)}`;
const message = (error: unknown) => (error instanceof ApiError ? error.message : walletMessage(error));

onRoute("contracts", async (root, path) => {
  fill(root, el("p", { class: "muted" }, "Loading…"));
  try {
    const asked = getJSON<Info>("/api/chain/info");          // asked together with the page's own data
    const data = path.length === 0 ? getJSON<Models>("/api/chain/models") : getJSON<Model>(`/api/chain/model/${path[0]}`);
    data.catch(() => undefined);                              // awaited below, after the node is known
    info = info ?? await asked;
    if (!info.rpc) {
      fill(root, el("h1", {}, "Contracts"), el("p", { class: "error" }, "No node: start sumchain serve with --rpc URL."));
      return;
    }
    if (path.length === 0) modelsPage(root, await data as Models);
    else modelPage(root, path[0], await data as Model);
  } catch (error) {
    fill(root, el("h1", {}, "Contracts"), el("p", { class: "error", id: "page-error" }, message(error)));
  }
});

// -- who signs ------------------------------------------------------------------------------
function signerBar(onChange: () => void): HTMLElement {
  const status = el("span", { id: "signer-address", class: "mono" });
  const balance = el("span", { id: "signer-balance", class: "muted" });
  const note = el("p", { id: "wallet-message", class: "error", role: "alert" });
  const show = () => {
    status.textContent = signer ? `${signer.kind === "wallet" ? signer.wallet.name : "dev account"} ${signer.address}` : "no account chosen";
    onChange();
  };
  const parts: HTMLElement[] = [el("strong", {}, "Sign with:")];
  if (info!.dev_accounts) {
    const pick = el("select", { id: "dev-account", onchange: () => { signer = { kind: "dev", address: pick.value }; show(); } },
      ...info!.accounts.map((a) => el("option", { value: a.address }, a.address)));
    if (!signer && info!.accounts.length) signer = { kind: "dev", address: info!.accounts[0].address };
    if (signer?.kind === "dev") pick.value = signer.address;
    parts.push(el("label", { for: "dev-account", class: "inline" }, "a dev node account"), pick, el("span", {}, "or"));
  }
  const button = el("button", { id: "connect-wallet", class: "secondary" }, "Connect wallet");
  button.addEventListener("click", async () => {
    note.textContent = "";
    const found = wallets();
    if (!found.length) {
      note.textContent = "No browser wallet found: install one (any EIP-6963 wallet), or start sumchain serve with --dev-accounts on a dev node.";
      return;
    }
    button.disabled = true;
    button.classList.add("busy");
    try {
      const wallet = await connect(found[0], info!.chain_id!, () => {
        if (signer?.kind !== "wallet" || signer.wallet !== wallet) return;
        signer = null;
        const message = document.getElementById("wallet-message");
        if (message) message.textContent = "The wallet switched account or chain: connect it again.";
        show();
      });
      signer = { kind: "wallet", address: wallet.address, wallet };
      show();
    } catch (error) {
      note.textContent = walletMessage(error);
    } finally {
      button.disabled = false;
      button.classList.remove("busy");
    }
  });
  parts.push(button);
  const bar = el("div", { class: "card", id: "signer" }, el("div", { class: "row" }, ...parts),
    el("div", { class: "row" }, status, balance), note);
  show();
  return bar;
}

/** The facts a transaction changes (cost, counts, block), read anew. */
async function refreshFacts(base: string): Promise<void> {
  const model = await getJSON<Model>(base);
  const cost = document.getElementById("cost-to-add");
  if (cost) {
    cost.textContent = model.cost_to_add ? coins(model.cost_to_add) : `not possible now: ${model.cost_refusal}`;
    cost.dataset.wei = model.cost_to_add?.wei ?? "";
  }
  const count = document.getElementById("contribution-count");
  if (count) count.textContent = `${model.contributions} (verified ${model.verified})`;
  const chain = document.getElementById("chain-now");
  if (chain) chain.textContent = chainNow(model);
}

const chainNow = (model: Model) => `${model.chain_id}, block ${model.block}, block time ${model.time_utc}`;

function gasPrice(wei: string): string {
  const value = BigInt(wei);
  return value % 1_000_000_000n === 0n ? `${value / 1_000_000_000n} gwei` : `${wei} wei`;
}

async function refreshBalance(base: string): Promise<void> {
  const out = document.getElementById("signer-balance");
  if (!out || !signer) return;
  const account = await getJSON<{ balance: Money; verified: number }>(`${base}/account/${signer.address}`);
  out.textContent = `balance ${coins(account.balance)} · verified contributions ${account.verified}`;
  out.dataset.wei = account.balance.wei;
}

/** Send an add, refund or report as the chosen signer; the receipt's facts, or an error thrown. */
async function sendAs(base: string, body: Record<string, unknown>): Promise<any> {
  if (!signer) throw new ApiError("Choose who signs first: a dev account or your wallet.", 0);
  if (signer.kind === "dev") return postJSON(`${base}/send`, { ...body, from: signer.address });
  const call = await postJSON<any>(`${base}/prepare`, { ...body, from: signer.address });
  const hash = await signer.wallet.send(call);
  return { ...call, ...await postJSON<any>(`${base}/receipt`, { tx_hash: hash, function: call.function }) };
}

/** Run `work` with `button` showing it is busy; errors go to `out`; the button is always restored. */
async function busy(button: HTMLButtonElement, out: HTMLElement, work: () => Promise<void>): Promise<void> {
  button.disabled = true;
  button.classList.add("busy");
  out.className = "muted";
  out.textContent = "Working…";
  try {
    await work();
  } catch (error) {
    fill(out, message(error));
    out.className = "error";
  } finally {
    button.disabled = false;
    button.classList.remove("busy");
  }
}

// -- the models -----------------------------------------------------------------------------
function modelsPage(root: HTMLElement, listed: Models): void {
  const address = el("input", { id: "open-address", placeholder: "0x… a sumchain contract's address", size: 46 });
  const error = el("p", { id: "open-error", class: "error" });
  const open = () => {
    const text = address.value.trim();
    if (/^0x[0-9a-fA-F]{40}$/.test(text)) location.hash = link("contracts", text.toLowerCase());
    else error.textContent = "An address is 0x followed by 40 hex digits.";
  };
  fill(root,
    el("h1", {}, "Contracts"),
    el("p", { class: "muted" }, `Node ${info!.rpc}, chain ${listed.chain_id}.`),
    listed.models.length
      ? table(["Model", "Family", "Mechanism", "Contributions", "Verified", "Manifest"], listed.models.map((m) => [
        el("a", { href: link("contracts", m.address), class: "mono" }, m.address), m.family, m.mechanism,
        String(m.contributions), String(m.verified), m.file]), { id: "models" })
      : el("p", { id: "models" }, "No deployments listed: give sumchain serve --deployments DIR (the manifests of sumchain deploy), or open one by address."),
    listed.skipped.length ? el("details", {}, el("summary", {}, `${listed.skipped.length} manifest(s) not listed`),
      table(["Manifest", "Why"], listed.skipped.map((s) => [s.file, s.reason]))) : null,
    el("h2", {}, "Open by address"),
    el("div", { class: "row" }, address, el("button", { id: "open-button", onclick: open }, "Open")),
    error,
    signerBar(() => undefined));
}

// -- a model --------------------------------------------------------------------------------
const TABS: [string, string][] = [["predict", "Predict"], ["add", "Add data"], ["mine", "My contributions"],
  ["others", "Others' contributions"], ["rewards", "Rewards"], ["history", "History"]];

function modelPage(root: HTMLElement, address: string, model: Model): void {
  const base = `/api/chain/model/${address}`;
  const p = model.parameters;
  const panel = el("div", { id: "panel" });
  let current = "predict";
  const tabs = el("div", { class: "tabs", role: "tablist" });
  const showTab = (name: string) => {
    current = name;
    panel.dataset.tab = name;
    for (const b of Array.from(tabs.children) as HTMLElement[]) b.classList.toggle("active", b.dataset.tab === name);
    void renderTab(name, model, base, panel);
  };
  for (const [name, title] of TABS) tabs.appendChild(el("button", { id: `tab-${name}`, "data-tab": name, onclick: () => showTab(name) }, title));
  const classes = model.class_names.length ? model.class_names.map((n, i) => `${n} (${i})`).join(", ") : `${p.num_classes} classes`;
  fill(root,
    el("p", {}, el("a", { href: link("contracts") }, "← all models")),
    el("h1", {}, `${p.family} · ${p.mechanism}`),
    el("dl", { class: "facts card", id: "facts" },
      el("dt", {}, "Contract"), el("dd", { class: "mono" }, model.address),
      el("dt", {}, "Manifest"), el("dd", {}, model.file ?? "none (opened by address: no text encoder, no class names)"),
      el("dt", {}, "Model"), el("dd", {}, `${p.num_features} features, classes ${classes}`),
      el("dt", {}, "Refund"), el("dd", {}, `after ${model.refund_wait}, if the model agrees with the contribution then`),
      el("dt", {}, "Cost to add now"), el("dd", { id: "cost-to-add", "data-wei": model.cost_to_add?.wei ?? "" },
        model.cost_to_add ? coins(model.cost_to_add) : `not possible now: ${model.cost_refusal}`),
      el("dt", {}, "Contributions"), el("dd", { id: "contribution-count" }, `${model.contributions} (verified ${model.verified})`),
      el("dt", {}, "Chain"), el("dd", { id: "chain-now" }, chainNow(model))),
    signerBar(() => { void refreshBalance(base); if (panel.isConnected) showTab(current); }),
    tabs, panel);
  showTab(current);
  void refreshBalance(base);
}

function sampleInputs(model: Model, prefix: string): { box: HTMLElement; body: () => { text?: string; features?: string } } {
  const text = el("textarea", { id: `${prefix}-text`, placeholder: "the text, as a person writes it" });
  const features = el("input", { id: `${prefix}-features`, placeholder: "or the feature indices: 1,4,17", size: 40 });
  const box = el("div", {},
    model.text ? el("label", { for: text.id }, "Text (encoded on the server by the deployment's own encoder)") : null,
    model.text ? text : null,
    el("label", { for: features.id }, model.text ? "…or feature indices" : "Feature indices (this deployment has no text encoder)"),
    features);
  return { box, body: () => (features.value.trim() ? { features: features.value.trim() } : { text: text.value }) };
}

async function renderTab(name: string, model: Model, base: string, panel: HTMLElement): Promise<void> {
  panel.setAttribute("aria-busy", "true");
  try {
    if (name === "predict") predictTab(model, base, panel);
    else if (name === "add") addTab(model, base, panel);
    else if (name === "history") await historyTab(base, panel, null);
    else if (name === "rewards") await rewardsTab(base, panel);
    else await contributionsTab(name === "mine", base, panel, null);
  } catch (error) {
    fill(panel, el("p", { class: "error" }, message(error)));
  } finally {
    panel.removeAttribute("aria-busy");
  }
}

function predictTab(model: Model, base: string, panel: HTMLElement): void {
  const sample = sampleInputs(model, "predict");
  const out = el("p", { id: "predict-result", role: "status" });
  const button = el("button", { id: "predict-button" }, "Predict (free)");
  button.addEventListener("click", () => busy(button, out, async () => {
    const r = await postJSON<{ prediction: number; class_name: string; features: number[] }>(`${base}/predict`, sample.body());
    fill(out, "The model predicts ", el("strong", { "data-class": r.prediction }, r.class_name),
      el("span", { class: "muted" }, ` (features ${r.features.join(", ")})`));
    out.className = "";
  }));
  fill(panel, sample.box, el("p", {}, button), out);
}

function addTab(model: Model, base: string, panel: HTMLElement): void {
  const sample = sampleInputs(model, "add");
  const names = model.class_names.length ? model.class_names : Array.from({ length: model.parameters.num_classes }, (_, i) => `class ${i}`);
  const label = el("select", { id: "add-label" }, ...names.map((n, i) => el("option", { value: String(i) }, `${n} (${i})`)));
  const deposit = el("input", { id: "add-deposit", size: 24, placeholder: "the cost to add this sample now" });
  const quote = el("p", { id: "add-quote", role: "status" });
  const out = el("div", { id: "add-receipt", role: "status" });
  const button = el("button", { id: "add-button" }, "Add data");
  let asked = 0;
  const check = async () => {
    const ask = ++asked;
    try {
      const q = await postJSON<any>(`${base}/quote`, { ...sample.body(), label: label.value });
      if (ask !== asked) return;
      fill(quote, "Cost to add this sample now: ", el("strong", { "data-wei": q.cost.wei }, coins(q.cost)),
        `; the model predicts ${q.class_name}, so it ${q.model_agrees ? "agrees with" : "disagrees with"} this label.`);
      quote.className = "";
    } catch (error) {
      if (ask !== asked) return;
      quote.textContent = message(error);
      quote.className = "muted";
    }
  };
  let timer = 0;
  const later = () => { clearTimeout(timer); timer = window.setTimeout(check, 300); };
  sample.box.addEventListener("input", later);
  label.addEventListener("change", later);
  button.addEventListener("click", () => busy(button, out, async () => {
    const r = await sendAs(base, { action: "add", ...sample.body(), label: label.value, deposit: deposit.value.trim() });
    fill(out, receipt(r, [
      ["Contribution", String(r.id), "id"],
      ["Deposit sent", coins(r.deposit), "deposit"],
      ["Cost taken", coins(r.cost), "cost"],
      ["The model", r.model_agrees ? "agrees with the label" : "disagrees with the label", "agrees"],
      ["Refund possible from", `${r.refund_possible_from_utc}, if the model agrees with it then`, "refund-from"]]));
    out.className = "";
    await Promise.all([refreshBalance(base), refreshFacts(base)]);
  }));
  fill(panel, sample.box, el("label", { for: label.id }, "Label"), label, quote,
    el("label", { for: deposit.id }, "Deposit in coins (default: the cost to add this sample now; the contract returns what is over the cost)"),
    deposit, el("p", {}, button), out);
}

function receipt(r: any, facts: [string, string, string][]): HTMLElement {
  const all: [string, string, string][] = [...facts,
    ["Transaction", r.tx_hash, "tx"], ["Block", String(r.block), "block"],
    ["Gas used", `${Number(r.gas_used).toLocaleString("en")} at ${gasPrice(r.gas_price_wei)}`, "gas"],
    ["Fee", coins(r.fee), "fee"], ["Balance now", coins(r.balance), "balance"]];
  const dl = el("dl", { class: "facts card" });
  for (const [name, value, key] of all) {
    const wei = key === "fee" ? r.fee.wei : key === "cost" ? r.cost?.wei : key === "deposit" ? r.deposit?.wei
      : key === "balance" ? r.balance?.wei : key === "moved" ? r.moved?.wei : key === "gas" ? String(r.gas_used) : null;
    dl.append(el("dt", {}, name), el("dd", { "data-field": key, "data-wei": wei, class: key === "tx" ? "mono" : null }, value));
  }
  return dl;
}

// -- contributions and history, a block range at a time ----------------------------------------
function rangeBar(range: Range, pageBlocks: number, reload: (to: number | null) => void): HTMLElement {
  const earlier = el("button", { id: "range-earlier", class: "secondary", disabled: range.from_block <= range.first_block },
    "Earlier blocks");
  earlier.addEventListener("click", () => reload(range.from_block - 1));
  const later = el("button", { id: "range-later", class: "secondary", disabled: range.to_block >= range.latest }, "Later blocks");
  later.addEventListener("click", () => reload(Math.min(range.latest, range.to_block + pageBlocks)));
  return el("div", { class: "row" }, el("span", { id: "range", class: "muted" },
    `Blocks ${range.from_block} to ${range.to_block} (latest ${range.latest})`), earlier, later);
}

function sampleText(row: Row): string {
  return row.sample_words ? row.sample_words.join(" ") : `features ${row.features.join(", ")}`;
}

function paid(row: Row): string {
  return row.payouts.map((p) => (p.kind === "refund" ? `refunded ${coins(p.amount)}` : `reported: ${coins(p.amount)} taken by ${short(p.claimer)}`)).join("; ");
}

async function contributionsTab(mine: boolean, base: string, panel: HTMLElement, to: number | null,
                                kept?: HTMLElement): Promise<void> {
  if (!signer) {
    fill(panel, el("p", {}, "Choose who signs (above) to see which contributions you can claim."));
    return;
  }
  const who = signer.address;
  const answer = await getJSON<Range & { contributions: Row[] }>(`${base}/contributions`, { viewer: who, to_block: to });
  const action = mine ? "refund" : "report";
  const rows = answer.contributions.filter((r) => (r.author === who) === mine);
  if (panel.dataset.tab !== (mine ? "mine" : "others")) return;       // another tab was chosen meanwhile
  const out = kept ?? el("p", { id: `${action}-result`, role: "status" });
  const reload = (next: number | null) => void contributionsTab(mine, base, panel, next, out).catch((e) => fill(out, message(e)));
  const body = rows.map((row) => {
    const button = el("button", { class: action, "data-id": row.id, disabled: row.action !== action, title: row.words },
      mine ? "Refund" : "Report");
    button.addEventListener("click", () => busy(button, out, async () => {
      const r = await sendAs(base, { action, id: row.id });
      fill(out, `${mine ? "Refunded" : "Reported"} contribution ${row.id}: ${coins(r.moved)} paid to you; fee ${coins(r.fee)}.`);
      out.className = "ok";
      await Promise.all([refreshBalance(base), refreshFacts(base)]);
      reload(to);
    }));
    const state = [paid(row), row.words].filter((s) => s).join("; ");
    return [String(row.id), ...(mine ? [] : [el("span", { class: "mono", title: row.author }, short(row.author))]),
      row.class_name, el("span", { class: "sample" }, sampleText(row)), row.added_utc, coins(row.deposit),
      el("span", { class: "state" }, state), button];
  });
  const header = ["#", ...(mine ? [] : ["Author"]), "Label", "Sample", "Added", "Deposit", "State", ""];
  const shown = rows.length ? table(header, body, { id: mine ? "mine" : "others" })
    : el("p", { id: mine ? "mine" : "others" }, mine ? "You have no contributions in these blocks." : "No one else contributed in these blocks.");
  for (const [i, row] of rows.entries()) (shown.querySelectorAll("tbody tr")[i] as HTMLElement | undefined)?.setAttribute("data-id", String(row.id));
  fill(panel, rangeBar(answer, 10_000, reload), shown, out);
}

async function historyTab(base: string, panel: HTMLElement, to: number | null): Promise<void> {
  const answer = await getJSON<Range & { events: any[] }>(`${base}/history`, { to_block: to });
  if (panel.dataset.tab !== "history") return;
  const rows = answer.events.map((e) => [String(e.block),
    e.event === "added" ? `added #${e.id} (${e.class_name})` : e.event === "refund" ? "refund" : "report",
    el("span", { class: "mono", title: e.who }, short(e.who)), coins(e.amount), el("span", { class: "mono", title: e.tx_hash }, short(e.tx_hash))]);
  const reload = (next: number | null) => void historyTab(base, panel, next);
  const width = Math.max(320, panel.clientWidth || 900);
  const measured = el("div", { id: "accuracy" }, el("h3", {}, "Accuracy over time"),
    el("p", { class: "muted" }, "Measuring the model's accuracy at past blocks…"));
  fill(panel, rangeBar(answer, 10_000, reload),
    el("h3", {}, "Contributions over time"),
    historyChart(answer.events, width),
    rows.length ? table(["Block", "Event", "Who", "Amount", "Transaction"], rows, { id: "history" })
      : el("p", { id: "history" }, "No events in these blocks."),
    measured);
  await accuracySection(base, measured, width);
}

/** The model's accuracy over time (measured by the server: the first time a block is asked, a few seconds). */
async function accuracySection(base: string, box: HTMLElement, width: number): Promise<void> {
  type Accuracy = { test_set: { rows: number; sha256: string } | null; note?: string; points: AccuracyPoint[]; max_points: number };
  let accuracy: Accuracy;
  try {
    accuracy = await getJSON<Accuracy>(`${base}/accuracy`);
  } catch (error) {
    fill(box, el("h3", {}, "Accuracy over time"), el("p", { id: "accuracy-note", class: "error" }, message(error)));
    return;
  }
  if (!accuracy.test_set) {
    fill(box, el("p", { id: "accuracy-note", class: "muted" }, accuracy.note ?? ""));
    return;
  }
  const last = accuracy.points[accuracy.points.length - 1];
  fill(box, el("h3", {}, "Accuracy over time"),
    el("p", { id: "accuracy-note", class: "muted", title: accuracy.test_set.sha256 },
      `On the manifest's test set (${accuracy.test_set.rows} rows, sha256 ${accuracy.test_set.sha256.slice(0, 12)}…), ` +
      `at ${accuracy.points.length} block(s) (at most ${accuracy.max_points}: where an addition changed the model, ` +
      `with the first and latest)` + (last ? `; now ${(100 * last.correct / Math.max(1, last.rows)).toFixed(1)} % ` +
      `(${last.correct} of ${last.rows}).` : ".")),
    accuracyChart(accuracy.points, width));
}

// -- rewards: earnings from paid predictions, pulled with withdraw() ----------------------------
async function rewardsTab(base: string, panel: HTMLElement): Promise<void> {
  if (!signer) {
    fill(panel, el("p", {}, "Choose who signs (above) to see what you can withdraw."));
    return;
  }
  const account = await getJSON<{ withdrawable: Money; verified: number }>(`${base}/account/${signer.address}`);
  if (panel.dataset.tab !== "rewards") return;
  const out = el("div", { id: "withdraw-receipt", role: "status" });
  const amount = el("strong", { id: "withdrawable", "data-wei": account.withdrawable.wei }, coins(account.withdrawable));
  const button = el("button", { id: "withdraw-button", disabled: account.withdrawable.wei === "0" }, "Withdraw");
  button.addEventListener("click", async () => {
    await busy(button, out, async () => {
      const r = await sendAs(base, { action: "withdraw" });
      fill(out, receipt(r, [["Withdrawn", coins(r.moved), "moved"]]));
      out.className = "ok";
      amount.textContent = coins({ wei: "0", coins: "0" });
      amount.dataset.wei = "0";
      await Promise.all([refreshBalance(base), refreshFacts(base)]);
    });
    button.disabled = amount.dataset.wei === "0";        // nothing left to withdraw
  });
  fill(panel,
    el("p", {}, "Paid predictions are shared among the verified contributions (a contribution is verified once it ",
      "is refunded); each contributor withdraws its share. Refunds and reports are paid at once, in their own transaction."),
    el("p", {}, `Withdrawable now (${account.verified} verified contribution(s)): `, amount),
    el("p", {}, button), out);
}
