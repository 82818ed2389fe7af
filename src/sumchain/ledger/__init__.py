"""The ledger: integer balances, a clock, and a hash chain of every call; SQLite persistence."""

from sumchain.ledger.chain import GENESIS_HASH, MINT, Block, Chain, Transaction, Transfers, block_hash
from sumchain.ledger.money import UNITS_PER_COIN, to_coins, to_units
from sumchain.ledger.store import load_chain, save_chain

__all__ = ["GENESIS_HASH", "MINT", "Block", "Chain", "Transaction", "Transfers", "block_hash",
           "load_chain", "save_chain", "UNITS_PER_COIN", "to_coins", "to_units"]
