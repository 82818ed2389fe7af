# pragma version 0.4.3
"""
@title The SUM collaborative trainer
@notice The contract's public functions, named after what a participant does. It wires the parts
        together and moves the money: the incentive mechanism (stakeable, points or quality_priced,
        chosen at deployment by MECHANISM) says what a call costs or pays, or refuses it; the data handler remembers
        contributions; the model learns. Every check happens before any state changes, and a
        refusal reverts with the same reason as sumchain.contract.trainer.Trainer. The sender sends
        `value`; the contract keeps the cost and returns the rest in the same transaction.

        Money goes out only to msg.sender (a refund, a report's award, an add's or a paid
        prediction's change, a withdrawal), by a call that forwards all gas (a smart-contract wallet
        can be paid), after every state change of the call, and every function that changes state
        holds the contract's reentrancy lock: a receiver that reverts fails only its own call. A paid
        prediction's value is credited to the verified contributions (stakeable.share_prediction)
        and each contributor pulls its earnings with withdraw().

        One source, one contract per model family: `model` is the family's module, chosen when the
        contract is compiled (sumchain.engines.evm.artefacts maps `model.vy` to perceptron.vy,
        dense_perceptron.vy, naive_bayes.vy, nearest_centroid.vy or dense_nearest_centroid.vy; the
        artefact is trainer_<family>). Every model module gives:
          constants MAX_WORDS (a packed sample's words), MAX_CHUNK (state entries per call);
          struct Sample (its input form) and unpack(packed words) -> Sample, checked, never truncated;
          classes(), predict(x), margin(x, y) (larger: the model favours y more), update(x, y) -> bool
          (whether the model changed); shape() -> (num_features, max_features, classes),
          state_version() (how many updates changed it);
          __init__(num_features, max_features, num_classes, parameter, intercept) and state rows
          written by set_state(row, indices, values) and read by state_from(row, first, count).
"""

import model
import data_handler
import stakeable
import points
import quality_priced
import reasons

initializes: model
initializes: data_handler
initializes: stakeable
initializes: points[stakeable := stakeable]
initializes: quality_priced[stakeable := stakeable]

exports: (
    stakeable.owner,
    stakeable.verified,
    stakeable.total_verified,
    stakeable.reward_per_unit,
    stakeable.last_add_time,
    stakeable.refund_wait_s,
    stakeable.any_address_claim_wait_s,
    stakeable.owner_claim_wait_s,
    stakeable.cost_weight,
    points.reported,
    quality_priced.weight,
    quality_priced.margin_scale,
)

MAX_WORDS: constant(uint256) = model.MAX_WORDS
MAX_CHUNK: constant(uint256) = model.MAX_CHUNK
MAX_PREVIEW: constant(uint256) = 1024
NO_LABEL: constant(uint256) = max_value(uint256)

STAKEABLE: constant(uint256) = 0
POINTS: constant(uint256) = 1
QUALITY_PRICED: constant(uint256) = 2
MECHANISM: public(immutable(uint256))
initialising: public(bool)


event DataAdded:
    key: indexed(bytes32)
    sender: indexed(address)
    id: uint256
    x: DynArray[uint256, MAX_WORDS]         # the packed sample (sparse_sample.vy or dense_sample.vy)
    y: uint256
    time: uint256
    cost: uint256
    model_updated: bool

event Refund:
    key: indexed(bytes32)
    claimer: indexed(address)
    amount: uint256

event Report:
    key: indexed(bytes32)
    claimer: indexed(address)
    author: address
    amount: uint256

event Prediction:
    sender: indexed(address)
    prediction: uint256
    value: uint256

event Withdrawal:
    account: indexed(address)
    amount: uint256


@deploy
def __init__(num_features: uint256, max_features: uint256, num_classes: uint256, model_parameter: int256,
             intercept: int256, mechanism: uint256, refund_wait_s: uint256, any_address_claim_wait_s: uint256,
             owner_claim_wait_s: uint256, cost_weight: uint256, start_time: uint256, quality_weight: uint256,
             margin_scale: uint256):
    """Deploy with the model's bounds, its parameter (the perceptrons' learning rate, naive Bayes's
    smoothing units, 0 for nearest centroid) and intercept; the owner then writes the initial state
    in chunks (set_state) and calls finish_initialisation before anyone can add data."""
    model.__init__(num_features, max_features, num_classes, model_parameter, intercept)
    stakeable.__init__(msg.sender, refund_wait_s, any_address_claim_wait_s, owner_claim_wait_s, cost_weight,
                       start_time)
    quality_priced.__init__(quality_weight, margin_scale)
    assert mechanism <= QUALITY_PRICED, "mechanism must be 0 (stakeable), 1 (points) or 2 (quality_priced)"
    MECHANISM = mechanism
    self.initialising = True


# -- initialisation by the owner -------------------------------------------------------------
@external
def set_state(row: uint256, indices: DynArray[uint256, MAX_CHUNK], values: DynArray[int256, MAX_CHUNK]):
    assert msg.sender == stakeable.owner, "only the owner can initialise the model"
    assert self.initialising, "the model is already initialised"
    model.set_state(row, indices, values)


@external
def finish_initialisation():
    assert msg.sender == stakeable.owner, "only the owner can initialise the model"
    self.initialising = False


# -- calls that change state -----------------------------------------------------------------
@external
@payable
@nonreentrant
def add_data(packed: DynArray[uint256, MAX_WORDS], y: uint256) -> (uint256, bool, uint256):
    """Add a labelled sample with a deposit; returns (cost taken, whether the model changed, its id)."""
    x: model.Sample = self._sample(packed, y)
    assert not self.initialising, "the model is still being initialised"
    cost: uint256 = self._cost_to_add(x, y)
    sent: uint256 = msg.value   # (uint2str needs a variable)
    if sent < cost:
        raise concat("did not pay enough: sent ", uint2str(sent), " but adding data costs ",
                     uint2str(cost), " now")
    key: bytes32 = data_handler.key_of(packed, y, block.timestamp, msg.sender)
    data_handler.check_new(key)
    stakeable.record_add()
    id: uint256 = data_handler.add(key, msg.sender, y, block.timestamp, cost)
    updated: bool = model.update(x, y)
    log DataAdded(key=key, sender=msg.sender, id=id, x=packed, y=y, time=block.timestamp, cost=cost,
                  model_updated=updated)
    if msg.value > cost:
        self._pay(msg.sender, msg.value - cost)
    return cost, updated, id


@external
@nonreentrant
def refund(packed: DynArray[uint256, MAX_WORDS], y: uint256, added_time: uint256) -> uint256:
    x: model.Sample = self._sample(packed, y)
    key: bytes32 = data_handler.key_of(packed, y, added_time, msg.sender)
    record: data_handler.Contribution = data_handler.find(key)
    facts: stakeable.ClaimFacts = self._facts(key, record, msg.sender, model.predict(x))
    reasons.refuse_if(stakeable.refund_refusal(facts))
    amount: uint256 = record.claimable
    stakeable.record_refund(msg.sender)
    data_handler.record_claim(key, msg.sender, amount)
    log Refund(key=key, claimer=msg.sender, amount=amount)
    self._pay(msg.sender, amount)
    return amount


@external
@nonreentrant
def report(packed: DynArray[uint256, MAX_WORDS], y: uint256, added_time: uint256, original_author: address) -> uint256:
    x: model.Sample = self._sample(packed, y)
    key: bytes32 = data_handler.key_of(packed, y, added_time, original_author)
    record: data_handler.Contribution = data_handler.find(key)
    facts: stakeable.ClaimFacts = self._facts(key, record, msg.sender, model.predict(x))
    reasons.refuse_if(stakeable.report_refusal(facts, msg.sender))
    amount: uint256 = stakeable.report_pays(record, msg.sender, stakeable.takes_all(facts.age, msg.sender))
    if MECHANISM == POINTS:
        points.record_report(original_author)
    data_handler.record_claim(key, msg.sender, amount)
    log Report(key=key, claimer=msg.sender, author=original_author, amount=amount)
    self._pay(msg.sender, amount)
    return amount


@external
@payable
@nonreentrant
def predict_paid(packed: DynArray[uint256, MAX_WORDS]) -> uint256:
    """A paid prediction: `value` is credited to the verified contributions, value // total_verified
    each (withdraw() pays a contributor its share); the caller gets back the rest (under total_verified)."""
    x: model.Sample = model.unpack(packed)
    if MECHANISM == POINTS:
        points.check_prediction_value(msg.value)
    paid: uint256 = stakeable.share_prediction(msg.value)
    prediction: uint256 = model.predict(x)
    log Prediction(sender=msg.sender, prediction=prediction, value=msg.value)
    self._pay(msg.sender, msg.value - paid)
    return prediction


@external
@nonreentrant
def withdraw() -> uint256:
    """Pay msg.sender what its verified contributions earned from paid predictions so far."""
    amount: uint256 = stakeable.record_withdraw(msg.sender)
    log Withdrawal(account=msg.sender, amount=amount)
    self._pay(msg.sender, amount)
    return amount


# -- free reads ------------------------------------------------------------------------------
@external
@view
def predict(packed: DynArray[uint256, MAX_WORDS]) -> uint256:
    return model.predict(model.unpack(packed))


@external
@view
def withdrawable(account: address) -> uint256:
    """What withdraw() would pay `account` now."""
    return stakeable.withdrawable(account)


@external
@view
def cost_to_add() -> uint256:
    """What add_data would take now for data the model agrees with (the least an add can cost now);
    reverts when no data can be added now."""
    return self._cost_to_add(empty(model.Sample), NO_LABEL)


@external
@view
def cost_to_add_for(packed: DynArray[uint256, MAX_WORDS], y: uint256) -> uint256:
    """What add_data would take now for exactly this sample and label."""
    return self._cost_to_add(self._sample(packed, y), y)


@external
@view
def contribution(packed: DynArray[uint256, MAX_WORDS], y: uint256, added_time: uint256,
                 author: address) -> (uint256, uint256, uint256, bool):
    """(initial deposit, claimable, number of claims, settled) of a stored contribution."""
    self._sample(packed, y)
    record: data_handler.Contribution = data_handler.find(data_handler.key_of(packed, y, added_time, author))
    return record.initial_deposit, record.claimable, record.claims - 1, self._unclaimable(record)


@external
@view
def claim_preview(claimer: address, ids: DynArray[uint256, MAX_PREVIEW], predictions: DynArray[uint256, MAX_PREVIEW]) -> (
        DynArray[uint256, MAX_PREVIEW], DynArray[uint256, MAX_PREVIEW], DynArray[uint256, MAX_PREVIEW],
        DynArray[bool, MAX_PREVIEW]):
    """What refund or report by `claimer` would do now, for a batch of contributions by id, judged with
    the given predictions of the model for their x: (action, amount, reason code, settled) each, by the
    same rules as the calls (see sumchain.contract.trainer.Trainer.claim_preview)."""
    assert len(ids) == len(predictions), "ids and predictions must be one-dimensional and of the same length"
    actions: DynArray[uint256, MAX_PREVIEW] = []
    amounts: DynArray[uint256, MAX_PREVIEW] = []
    codes: DynArray[uint256, MAX_PREVIEW] = []
    settled: DynArray[bool, MAX_PREVIEW] = []
    count: uint256 = data_handler.count
    for i: uint256 in range(len(ids), bound=MAX_PREVIEW):
        if ids[i] >= count:
            actions.append(reasons.NO_ACTION)
            amounts.append(0)
            codes.append(reasons.NO_SUCH_CONTRIBUTION)
            settled.append(False)
            continue
        key: bytes32 = data_handler.keys[ids[i]]
        record: data_handler.Contribution = data_handler.load(key)
        facts: stakeable.ClaimFacts = self._facts(key, record, claimer, predictions[i])
        refund: uint256 = stakeable.refund_refusal(facts)
        report: uint256 = stakeable.report_refusal(facts, claimer)
        if refund == reasons.OK:
            actions.append(reasons.REFUND)
            amounts.append(record.claimable)
            codes.append(reasons.OK)
        elif report == reasons.OK:
            actions.append(reasons.REPORT)
            amounts.append(stakeable.report_pays(record, claimer, stakeable.takes_all(facts.age, claimer)))
            codes.append(reasons.OK)
        else:
            actions.append(reasons.NO_ACTION)
            amounts.append(0)
            if facts.is_author:
                codes.append(refund)
            else:
                codes.append(report)
        settled.append(facts.unclaimable)
    return actions, amounts, codes, settled


@external
@view
def claimed(packed: DynArray[uint256, MAX_WORDS], y: uint256, added_time: uint256, author: address,
             claimer: address) -> bool:
    return data_handler.claimed_by[data_handler.key_of(packed, y, added_time, author)][claimer]


@external
@view
def model_state(row: uint256, first: uint256, count: uint256) -> (uint256, DynArray[int256, MAX_CHUNK]):
    """(model version, entries first..first+count-1 of a state row): a local copy follows the chain by
    version (the rows are the model module's: perceptron.vy, naive_bayes.vy, ...)."""
    return model.state_version(), model.state_from(row, first, count)


@external
@view
def model_shape() -> (uint256, uint256, uint256):
    """(num_features, max_features, num_classes) of the deployed model."""
    return model.shape()


# -- internals -------------------------------------------------------------------------------
@internal
def _pay(to: address, amount: uint256):
    """Send `amount` forwarding all gas; a receiver that reverts reverts (only) this call."""
    if amount > 0:
        raw_call(to, b"", value=amount, revert_on_failure=True)


@internal
@view
def _cost_to_add(x: model.Sample, y: uint256) -> uint256:
    """The mechanism's cost; y = NO_LABEL (no sample) asks for the cost of data the model agrees with."""
    if MECHANISM == POINTS:
        return points.cost_to_add()
    if MECHANISM == QUALITY_PRICED and y != NO_LABEL:
        return quality_priced.cost_to_add(model.margin(x, y))
    return stakeable.cost_to_add()


@internal
@view
def _unclaimable(record: data_handler.Contribution) -> bool:
    if MECHANISM == POINTS:
        return points.unclaimable(record)
    return stakeable.unclaimable(record)


@internal
@view
def _facts(key: bytes32, record: data_handler.Contribution, claimer: address,
           prediction: uint256) -> stakeable.ClaimFacts:
    code: uint256 = reasons.NOTHING_LEFT
    if MECHANISM == POINTS:
        code = reasons.ALREADY_SETTLED
    return stakeable.ClaimFacts(is_author=record.author == claimer,
                                claimed=data_handler.claimed_by[key][claimer],
                                unclaimable=self._unclaimable(record), unclaimable_code=code,
                                age=block.timestamp - record.added_time, agrees=prediction == record.y)


@internal
@view
def _sample(packed: DynArray[uint256, MAX_WORDS], y: uint256) -> model.Sample:
    classes: uint256 = model.classes()
    if y >= classes:
        if classes == 2:
            raise concat("y must be a class index 0 or 1, got ", uint2str(y))
        raise concat("y must be a class index from 0 to ", uint2str(classes - 1), ", got ", uint2str(y))
    return model.unpack(packed)
