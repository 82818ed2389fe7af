"""The JSON-RPC backend: the EVM backend protocol (`sumchain.engines.evm.backend`) over any Ethereum
node, through web3.py. Every web3 call lives in this module, so an API change touches this file only.

Two kinds of node, one class:
- A dev node (Hardhat, or any node with the `hardhat_*`/`evm_*` methods): a participant sends from
  its own deterministic address by impersonation (`hardhat_impersonateAccount`), is funded by
  `hardhat_setBalance`, and the clock is set before every transaction and read with
  `evm_setNextBlockTimestamp`, so many transactions may share one timestamp as on pyrevm.
- A live chain: participants are the accounts whose private keys the user gives (`keys`); transactions
  are signed here and sent raw; the chain keeps its own time and money, so `set_time` and `mint`
  raise a one-line error saying a simulation needs a dev node.
  Senders may also be the node's own unlocked accounts (`eth_accounts`, given as 0x-addresses):
  they send with `eth_sendTransaction`, no key and no impersonation. With `impersonate=False` (a
  live deployment) any other sender is refused in one line instead of impersonated.

Gas limit: at a gas price above 0 a node refuses a sender who cannot pay gas limit x price up front
(pyrevm charges only the gas used), so each transaction's limit is the node's `eth_estimateGas` plus
20% (never more than the sender can pay, never less than the estimate); a transaction that would
revert cannot be estimated and is sent with the most gas the sender can pay, of which it is charged
only what it used, as on pyrevm. At gas price 0 the limit is the caller's (2**24 by default). No
transaction or read asks for more than 2**24 gas (EIP-7825's cap, `TX_GAS_CAP`), whatever the node.

Raw JSON-RPC requests (`provider.make_request`) rather than web3's contract layer: the EVM trainer
already encodes calls and decodes results, and a revert's data sits in the node's error object,
which the raw response keeps intact.
"""

from __future__ import annotations

import time
from typing import Any, Mapping

import requests
from web3 import Web3

from sumchain.engines.evm.backend import TX_GAS_CAP, Log, Outcome, address_for_name, check_gas
from sumchain.errors import SumchainError

UNSUPPORTED_CODES = (-32601, -32004)
"""JSON-RPC 'method not found' (standard) and Hardhat's 'method not supported'."""

RECEIPT_TIMEOUT_S = 120.0

GAS_MARGIN = (6, 5)
"""The gas limit over the node's estimate (x 6/5): state may change between estimate and mining."""


class NodeError(SumchainError):
    """The node is unreachable, lacks a dev-node method, or refused a request; one line naming the URL."""


class RpcBackend:
    """Contracts on the node at `url`: balances, gas and timestamps are the node's own.

    `keys` maps participant names to private keys (hex) for a live chain; a named participant then
    sends from its key's address. Everyone else sends by impersonation, which needs a dev node.
    """

    def __init__(self, url: str, gas_price: int = 0, keys: Mapping[str, str] | None = None,
                 timeout_s: float = 60.0, impersonate: bool = True):
        self.url = url
        self.gas_price = int(gas_price)
        self.impersonate = impersonate
        self._w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout_s},
                                          exception_retry_configuration=None))
        self._accounts = {}
        for name, key in (keys or {}).items():
            from eth_account import Account

            try:
                self._accounts[name] = Account.from_key(key)
            except Exception:           # eth-account raises several types, some quoting the value: never echo it
                raise NodeError(f"the private key given for {name!r} is not valid (32 bytes of hex, "
                                f"0x-prefixed)") from None
        self._signers = {account.address.lower(): account for account in self._accounts.values()}
        self.chain_id = self._number(self._request("eth_chainId"), "eth_chainId")
        self._impersonated: set[str] = set()
        accounts = self._raw("eth_accounts", [])
        listed = accounts.get("result")
        self.unlocked_accounts = [a.lower() for a in listed if isinstance(a, str)] if isinstance(listed, list) else []
        """The node's own unlocked accounts, in the node's order: they send without a key or impersonation."""
        self._unlocked = set(self.unlocked_accounts)
        self._now = self._latest_timestamp()
        self._time_set = False          # whether set_time was ever called (a simulation's clock)
        self._stamp_pending = False     # whether the node already holds _now for its next block
        self._base_fee_may_rise = True
        self._balances: dict[str, int] = {}
        latest = self._request("eth_getBlockByNumber", ["latest", False])
        self._half_block_gas = self._number(self._field(latest, "gasLimit", "eth_getBlockByNumber"),
                                            "eth_getBlockByNumber (gasLimit)") // 2

    def __repr__(self) -> str:
        return f"RpcBackend(url={self.url!r}, chain_id={self.chain_id}, gas_price={self.gas_price})"

    def address_of(self, name: str) -> str:
        account = self._accounts.get(name)
        return account.address.lower() if account is not None else address_for_name(name)

    # -- transactions ------------------------------------------------------------------------
    def deploy(self, sender: str, initcode: bytes, value: int = 0) -> tuple[str, Outcome]:
        outcome, receipt = self._send(sender, None, initcode, value, TX_GAS_CAP)
        address = (receipt or {}).get("contractAddress") or ""
        return (address.lower() if outcome.success else ""), outcome

    def transact(self, sender: str, to: str, data: bytes, value: int = 0, gas: int = TX_GAS_CAP) -> Outcome:
        return self._send(sender, to, data, value, gas)[0]

    def send(self, sender: str, to: str, data: bytes, value: int = 0,
             gas: int = TX_GAS_CAP) -> tuple[Outcome, dict | None]:
        """`transact`, with the node's receipt (hash, block, gas used, effective gas price) for a person
        who wants to see what was sent; None when the node refused the transaction before mining it."""
        return self._send(sender, to, data, value, gas)

    def add_key(self, key: str) -> str:
        """Sign transactions from this key's address from now on (a key chosen after connecting, e.g.
        by `sumchain.live.signers`); its address, lower case."""
        from eth_account import Account

        account = Account.from_key(key)
        self._signers[account.address.lower()] = account
        return account.address.lower()

    def request(self, method: str, params: list | None = None) -> Any:
        """Any other JSON-RPC request (code, logs, block numbers), its result; a refusal is a `NodeError`."""
        return self._request(method, params)

    def call(self, to: str, data: bytes, sender: str | None = None, value: int = 0,
             block: str | None = None, gas: int = TX_GAS_CAP) -> Outcome:
        """A free read at the current time: on a dev node the pending block carries `now`. With a
        sender and a value, what a transaction would do (a payable call's check before sending it);
        `block` ("pending", "latest") reads at that block instead; `gas` within a node's cap (nodes
        from the Osaka hardfork on refuse a read with more than 2**24)."""
        request = {"from": sender or address_for_name("reader"), "to": to, "data": "0x" + data.hex(),
                   "gas": hex(gas), "gasPrice": "0x0"}
        if value:
            request["value"] = hex(int(value))
        (response,) = self._with_block_prepared(("eth_call", [request, block or self._read_block]))
        if "error" in response:
            revert = _revert_data(response["error"])
            if revert is None:
                raise NodeError(f"the node at {self.url} refused a read: {_message(response['error'])}")
            return Outcome(False, revert, (), 0)
        return Outcome(True, _bytes(response["result"]), (), 0)

    def code(self, address: str) -> bytes:
        """The runtime code at `address` on the latest block (empty for an account without code)."""
        return _bytes(self._request("eth_getCode", [address, "latest"]))

    def genesis_time(self) -> int:
        """The timestamp of block 0: 0 on a simulation's dev node, the start time on a wall-clock one."""
        return int(self._request("eth_getBlockByNumber", ["0x0", False])["timestamp"], 16)

    def node_gas_price(self) -> int:
        """The node's suggested gas price in wei (`eth_gasPrice`)."""
        return int(self._request("eth_gasPrice"), 16)

    # -- money and time ----------------------------------------------------------------------
    def balance(self, address: str) -> int:
        """The node's balance; while a simulation holds the clock, remembered until the next transaction."""
        address = address.lower()
        cached = self._balances.get(address)
        if cached is None:
            cached = self._number(self._request("eth_getBalance", [address, "latest"]), "eth_getBalance")
            if self._time_set:       # a dev node driven by this backend alone: only our calls change it
                self._balances[address] = cached
        return cached

    def mint(self, address: str, amount: int) -> None:
        """Dev nodes only: the balance becomes balance + amount."""
        new_balance = self.balance(address) + int(amount)
        self._balances.clear()
        self._dev_request("hardhat_setBalance", [address, hex(new_balance)], "funding an address")

    @property
    def now(self) -> int:
        return self._now if self._time_set else max(self._now, self._latest_timestamp())

    def set_time(self, timestamp: int) -> None:
        """Dev nodes only: the next transactions (and reads) carry `timestamp`, never earlier than the chain.

        Nothing is sent until the next transaction or read: the node is told once per block."""
        timestamp = int(timestamp)
        floor = self._now if self._time_set else self._latest_timestamp()
        if (timestamp if self._time_set else max(timestamp, 1)) < floor:     # time 0 is stamped 1
            raise ValueError(f"time cannot go backwards: {timestamp} < {floor} on the node at {self.url}")
        if not self._time_set or timestamp != self._now:
            self._now = timestamp
            self._time_set = True
            self._stamp_pending = False

    def reset(self) -> None:
        """Dev nodes only: back to the genesis block (every contract and balance on the node is gone)."""
        self._dev_request("hardhat_reset", [], "starting a fresh chain")
        self._impersonated.clear()
        self._balances.clear()
        self._now = self._latest_timestamp()
        self._time_set = False
        self._stamp_pending = False

    # -- the wire ----------------------------------------------------------------------------
    def _send(self, sender: str, to: str | None, data: bytes, value: int, gas: int) -> tuple[Outcome, dict | None]:
        sender = sender.lower()
        gas = check_gas(gas)
        tx: dict[str, Any] = {"from": sender, "data": "0x" + data.hex(), "value": hex(int(value)),
                              "gas": hex(int(gas)), "gasPrice": hex(self.gas_price)}
        if to is not None:
            tx["to"] = to
        self._balances.clear()
        signer = self._signers.get(sender)
        impersonating = signer is None and sender not in self._impersonated and sender not in self._unlocked
        if impersonating and not self.impersonate:
            raise NodeError(f"cannot send from {sender}: it is neither one of the given keys (SUMCHAIN_RPC_KEYS) "
                            f"nor an unlocked account of the node at {self.url}")
        requests_: list[tuple[str, list]] = []
        if impersonating:
            requests_.append(("hardhat_impersonateAccount", [sender]))
        # A receipt carries no return data: run the same transaction as a read on the pending block
        # (same state, sender, value and timestamp) for its output, then send it.
        if to is not None:
            requests_.append(("eth_call", [dict(tx, gasPrice="0x0"), self._read_block]))
        if self.gas_price:
            estimate = {key: tx[key] for key in ("from", "to", "data", "value") if key in tx}
            requests_ += [("eth_estimateGas", [estimate]), ("eth_getBalance", [sender, "latest"])]
        if not self.gas_price:
            requests_.append(self._send_request(signer, tx))
        responses = self._with_block_prepared(*requests_)
        if impersonating:
            self._dev_result(responses[0], "hardhat_impersonateAccount",
                             f"sending from {sender} (not one of the given keys)")
            self._impersonated.add(sender)
        if self.gas_price:
            estimated, balance = responses[-2:]
            affordable = ((self._number(balance["result"], "eth_getBalance") - int(value)) // self.gas_price
                          if "result" in balance else gas)
            tx["gas"] = hex(max(1, self._gas_limit(gas, estimated, affordable, self.url)))
            responses = responses[:-2] + self._with_block_prepared(self._send_request(signer, tx))
        self._stamp_pending = False
        output = _bytes(responses[-2].get("result")) if to is not None else b""
        response = responses[-1]
        if "error" in response:
            error = response["error"]
            tx_hash = error.get("data", {}).get("txHash") if isinstance(error.get("data"), dict) else None
            if tx_hash is None:       # refused before mining: nothing happened on the chain
                raise NodeError(f"the node at {self.url} refused the transaction: {_message(error)}")
            receipt = self._receipt(tx_hash)
            gas_used = self._receipt_number(receipt, "gasUsed")
            self._base_fee_may_rise = gas_used > self._half_block_gas
            return Outcome(False, _revert_data(error) or b"", (), gas_used, *_where(receipt)), receipt
        receipt = self._receipt(response["result"])
        gas_used = self._receipt_number(receipt, "gasUsed")
        self._base_fee_may_rise = gas_used > self._half_block_gas
        if self._receipt_number(receipt, "status") != 1:
            # A live chain reports a failed transaction only in its receipt: replay it as a read
            # on the block before to recover the revert data.
            replay = self._raw("eth_call", [tx, hex(self._receipt_number(receipt, "blockNumber") - 1)])
            revert = _revert_data(replay["error"]) if "error" in replay else None
            return Outcome(False, revert or b"", (), gas_used, *_where(receipt)), receipt
        try:
            logs = tuple(Log(log["address"].lower(), tuple(_bytes(t) for t in log["topics"]), _bytes(log["data"]))
                         for log in self._field(receipt, "logs", "eth_getTransactionReceipt"))
        except (KeyError, TypeError, AttributeError, ValueError):
            raise NodeError(f"the node at {self.url} answered eth_getTransactionReceipt with malformed logs: "
                            f"{_shown(receipt.get('logs'))}") from None
        return Outcome(True, output, logs, gas_used, *_where(receipt)), receipt

    def _send_request(self, signer, tx: dict[str, Any]) -> tuple[str, list]:
        if signer is not None:
            return ("eth_sendRawTransaction", ["0x" + self._sign(signer, tx).hex()])
        return ("eth_sendTransaction", [tx])

    @staticmethod
    def _gas_limit(requested: int, estimated: dict, affordable: int, url: str = "") -> int:
        """The node's estimate plus the margin, within what the sender can pay; all it can pay (up to
        `requested`) when the transaction would revert and so cannot be estimated."""
        if "result" not in estimated:
            return min(requested, affordable)
        needed = _hex_number(estimated["result"], url, "eth_estimateGas")
        with_margin = needed * GAS_MARGIN[0] // GAS_MARGIN[1]
        return min(requested, max(needed, min(with_margin, affordable)))

    def _sign(self, signer, tx: dict[str, Any]) -> bytes:
        nonce = self._number(self._request("eth_getTransactionCount", [signer.address, "pending"]),
                             "eth_getTransactionCount")
        fields = {"nonce": nonce, "chainId": self.chain_id, "gas": int(tx["gas"], 16),
                  "gasPrice": self.gas_price, "value": int(tx["value"], 16), "data": tx["data"]}
        if "to" in tx:
            fields["to"] = Web3.to_checksum_address(tx["to"])
        return bytes(signer.sign_transaction(fields).raw_transaction)

    def _receipt(self, tx_hash: str) -> dict:
        deadline = time.monotonic() + RECEIPT_TIMEOUT_S
        while True:
            receipt = self._request("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return receipt
            if time.monotonic() > deadline:
                raise NodeError(f"the node at {self.url} did not mine transaction {tx_hash} "
                                f"within {RECEIPT_TIMEOUT_S:.0f} s")
            time.sleep(0.2)

    def _impersonate(self, address: str) -> None:
        if address not in self._impersonated:
            self._dev_request("hardhat_impersonateAccount", [address],
                              f"sending from {address} (not one of the given keys)")
            self._impersonated.add(address)

    @property
    def _read_block(self) -> str:
        return "pending" if self._time_set else "latest"

    def _with_block_prepared(self, *requests_: tuple[str, list]):
        """Send `requests_` in order, after giving the node's next block the simulation's timestamp
        (once per block) and, at a zero gas price, a zero base fee; their responses."""
        prepare: list[tuple[str, list, str]] = []
        if self._time_set and not self._stamp_pending:
            # Hardhat takes a next-block timestamp of 0 as "none" (the wall clock): time 0 is stamped 1.
            # A simulation only deploys at 0, and the contract takes its start time as an argument.
            prepare.append(("evm_setNextBlockTimestamp", [max(self._now, 1)], "setting the time"))
            if self.gas_price == 0 and self._base_fee_may_rise:
                # A block fuller than half its limit raises the next base fee above a zero gas price.
                prepare.append(("hardhat_setNextBlockBaseFeePerGas", ["0x0"], "a zero gas price"))
        batch = [(method, params) for method, params, _ in prepare] + list(requests_)
        responses = self._batch(batch) if len(batch) > 1 else [self._raw(*batch[0])]
        for (method, _, purpose), response in zip(prepare, responses):
            self._dev_result(response, method, purpose)
        if prepare:
            self._stamp_pending = True
        return responses[len(prepare):]

    def _latest_timestamp(self) -> int:
        latest = self._request("eth_getBlockByNumber", ["latest", False])
        return self._number(self._field(latest, "timestamp", "eth_getBlockByNumber"), "eth_getBlockByNumber (timestamp)")

    def _dev_request(self, method: str, params: list, purpose: str) -> Any:
        return self._dev_result(self._raw(method, params), method, purpose)

    def _dev_result(self, response: dict, method: str, purpose: str) -> Any:
        if "error" in response:
            error = response["error"]
            if error.get("code") in UNSUPPORTED_CODES:
                raise NodeError(f"the node at {self.url} does not offer {method} ({purpose}): a simulation "
                                f"needs a dev node such as Hardhat (see sumchain.engines.rpc.devnode)")
            raise NodeError(f"the node at {self.url} refused {method}: {_message(error)}")
        return response["result"]

    def _request(self, method: str, params: list | None = None) -> Any:
        response = self._raw(method, params or [])
        if "error" in response:
            raise NodeError(f"the node at {self.url} refused {method}: {_message(response['error'])}")
        return self._field(response, "result", method)

    def _number(self, value: Any, what: str) -> int:
        return _hex_number(value, self.url, what)

    def _receipt_number(self, receipt: Any, key: str) -> int:
        value = self._field(receipt, key, "eth_getTransactionReceipt")
        return self._number(value, f"eth_getTransactionReceipt ({key})")

    def _field(self, answer: Any, key: str, method: str) -> Any:
        """`answer[key]`, or a NodeError naming what the node sent instead."""
        if not isinstance(answer, dict) or key not in answer:
            raise NodeError(f"the node at {self.url} answered {method} without '{key}': {_shown(answer)}; "
                            f"is it an Ethereum JSON-RPC node?")
        return answer[key]

    def _raw(self, method: str, params: list) -> dict:
        response = self._transport(lambda provider: provider.make_request(method, params))
        if not isinstance(response, dict) or ("result" not in response and not isinstance(response.get("error"), dict)):
            raise NodeError(f"the server at {self.url} answered {method} with {_shown(response)}, not a JSON-RPC "
                            f"response; is it an Ethereum JSON-RPC node?")
        return response

    def _batch(self, requests_: list[tuple[str, list]]) -> list[dict]:
        """One request after another: a JSON-RPC batch would be quicker, but Hardhat answers a batch's
        requests concurrently, and the next block's timestamp must be set before the transaction."""
        return [self._raw(method, params) for method, params in requests_]

    def _transport(self, send):
        try:
            return send(self._w3.provider)
        except (requests.RequestException, OSError) as error:
            raise NodeError(f"cannot reach the Ethereum node at {self.url}: {type(error).__name__}") from None
        except ValueError as error:       # not JSON: something else answers at that URL
            raise NodeError(f"the server at {self.url} is not an Ethereum JSON-RPC node: {error}") from None


def _where(receipt: dict) -> tuple[str, int]:
    """(transaction hash, block number) of a receipt."""
    return receipt["transactionHash"].lower(), int(receipt["blockNumber"], 16)


def _bytes(hex_text: str | None) -> bytes:
    if not hex_text:
        return b""
    try:
        return bytes.fromhex(hex_text[2:] if hex_text.startswith("0x") else hex_text)
    except (ValueError, TypeError, AttributeError):
        raise NodeError(f"a node answered {_shown(hex_text)} where hex data was expected; "
                        f"is it an Ethereum JSON-RPC node?") from None


def _hex_number(value: Any, url: str, what: str) -> int:
    """A JSON-RPC quantity ("0x1a") as an int; anything else is a NodeError naming the answer."""
    if isinstance(value, str) and value[:2] in ("0x", "0X") and len(value) > 2:
        try:
            return int(value, 16)
        except ValueError:
            pass
    raise NodeError(f"the node at {url} answered {what} with {_shown(value)}, not a hex number; "
                    f"is it an Ethereum JSON-RPC node?")


def _shown(value: Any, limit: int = 60) -> str:
    """A node's answer for a message: short, on one line."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[:limit] + "..."


def _message(error: Any) -> str:
    message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
    return " ".join(str(message).split())


def _revert_data(error: Any) -> bytes | None:
    """The revert data a node put in its error object: Hardhat nests it as data.data, geth as data."""
    if not isinstance(error, dict):
        return None
    data = error.get("data")
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return _bytes(data)
    message = str(error.get("message", "")).lower()
    if "revert" in message or "invalid opcode" in message or "out of gas" in message:
        return b""
    return None
