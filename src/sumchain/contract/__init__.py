"""The contract rules: incentive mechanisms, the data handler and the trainer that joins them."""

from sumchain.contract.data_handler import Contribution, DataHandler
from sumchain.contract.incentives import MECHANISMS, Points, Stakeable, mechanism_for
from sumchain.contract.trainer import AddReceipt, ClaimPreview, ClaimRules, ContributionView, Trainer
from sumchain.contract.market import MarketContract, market_for

__all__ = ["AddReceipt", "ClaimPreview", "ClaimRules", "Contribution", "ContributionView", "DataHandler", "MECHANISMS",
           "MarketContract", "Points", "Stakeable", "Trainer", "market_for", "mechanism_for"]
