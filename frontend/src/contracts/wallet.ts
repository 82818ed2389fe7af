// The browser's wallet: found through EIP-6963 (each wallet announces itself), else the legacy
// window.ethereum, and driven through viem's bare client (its JSON-RPC requests and typed errors; the
// wallet estimates gas and fees itself, so the page carries none of that code). Two checks before anything is signed: the wallet is on
// the node's chain, and the person accepted. A refusal becomes one sentence for the page.
import { type Client, createClient, custom, type EIP1193Provider, hexToNumber, numberToHex } from "viem";

export interface Announced {
  info: { uuid: string; name: string; rdns?: string; icon?: string };
  provider: EIP1193Provider;
}

const announced: Announced[] = [];

/** Listen for wallets announcing themselves, and ask them to (call once, early). */
export function discover(): void {
  addEventListener("eip6963:announceProvider", (event: Event) => {
    const detail = (event as CustomEvent<Announced>).detail;
    if (detail && detail.provider && detail.info && !announced.some((a) => a.info.uuid === detail.info.uuid)) {
      announced.push(detail);
    }
  });
  dispatchEvent(new Event("eip6963:requestProvider"));
}

/** The wallets found: those that announced themselves, else an injected window.ethereum. */
export function wallets(): Announced[] {
  if (announced.length) return announced.slice();
  const legacy = (window as unknown as { ethereum?: EIP1193Provider }).ethereum;
  return legacy ? [{ info: { uuid: "injected", name: "Browser wallet" }, provider: legacy }] : [];
}

export class WalletError extends Error {}

/** One sentence for a wallet's refusal or failure (EIP-1193 codes first). */
export function walletMessage(error: unknown): string {
  for (let e: any = error; e; e = e.cause) {
    if (e.code === 4001) return "You rejected the request in your wallet: nothing was sent.";
    if (e.code === 4100) return "The wallet did not allow this site to use the account: connect it again.";
    if (e.code === 4900 || e.code === 4901) return "The wallet is not connected to a chain: reconnect it.";
    if (e instanceof WalletError) return e.message;
  }
  const any = error as { shortMessage?: string; message?: string };
  return `The wallet refused: ${any?.shortMessage || any?.message || String(error)}`;
}

export class Wallet {
  constructor(readonly name: string, private readonly client: Client, readonly address: string,
              private readonly chainId: number) {}

  /** Send a call prepared (and checked) by the server; the transaction's hash. */
  async send(call: { to: string; data: string; value: string }): Promise<string> {
    await checkChain(this.client, this.chainId);
    return this.client.request({
      method: "eth_sendTransaction",
      params: [{ from: this.address as `0x${string}`, to: call.to as `0x${string}`, data: call.data as `0x${string}`,
        value: numberToHex(BigInt(call.value)) }],
    });
  }
}

async function checkChain(client: Client, chainId: number): Promise<void> {
  const on = hexToNumber(await client.request({ method: "eth_chainId" }));
  if (on !== chainId) {
    throw new WalletError(`Your wallet is on chain ${on}, but this node is chain ${chainId}: switch the wallet to `
      + `chain ${chainId} (or add this network to it), then connect again.`);
  }
}

/** Connect to a wallet: it must be on chain `chainId` (checked first), then the person picks an account.
 * `changed` is told when the wallet switches account or chain afterwards (the page then asks again). */
export async function connect(choice: Announced, chainId: number, changed: () => void): Promise<Wallet> {
  const client = createClient({ transport: custom(choice.provider) });
  await checkChain(client, chainId);
  const [address] = await client.request({ method: "eth_requestAccounts" });
  if (!address) throw new WalletError("The wallet gave no account.");
  const provider = choice.provider as { on?: (event: string, listener: () => void) => void };
  if (typeof provider.on === "function") {
    provider.on("accountsChanged", changed);
    provider.on("chainChanged", changed);
  }
  return new Wallet(choice.info.name, client, address.toLowerCase(), chainId);
}
