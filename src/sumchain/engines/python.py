"""The "python" engine: the contract rules run as plain Python objects on an in-memory chain."""

from __future__ import annotations

from sumchain.config import Config
from sumchain.contract import MarketContract, Trainer, mechanism_for
from sumchain.contract.incentives import INCENTIVES
from sumchain.ledger import Chain
from sumchain.models import Model

OWNER = "owner"
TRAINER_ADDRESS = "trainer"
MARKET_ADDRESS = "market"


class PythonChain(Chain):
    """The in-memory ledger as a chain handle: calls cost no gas here."""

    def gas_used(self) -> dict[tuple[str, str], int]:
        return {}


def deploy_python(config: Config, model: Model) -> Trainer | MarketContract:
    """The configured mechanism on a fresh in-memory chain: a trainer with the mechanism, or the
    mechanism's own contract where its descriptor names one (the prediction market)."""
    chain = PythonChain(start_time=0)
    incentive = INCENTIVES[config.incentive]
    if incentive.own_contract is not None:
        return incentive.build_own_contract(chain, config, model, owner=OWNER, address=MARKET_ADDRESS)
    mechanism = mechanism_for(config, owner=OWNER, start_time=chain.now)
    return Trainer(chain, model, mechanism, owner=OWNER, address=TRAINER_ADDRESS)
