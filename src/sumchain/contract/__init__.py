"""The contract rules: incentive mechanisms, the data handler and the trainer that joins them."""

from sumchain.contract.data_handler import Contribution, DataHandler
from sumchain.contract.incentives import MECHANISMS, Points, Stakeable, mechanism_for
from sumchain.contract.trainer import AddReceipt, ClaimPreview, ContributionView, Trainer

__all__ = ["AddReceipt", "ClaimPreview", "Contribution", "ContributionView", "DataHandler", "MECHANISMS", "Points",
           "Stakeable", "Trainer", "mechanism_for"]
