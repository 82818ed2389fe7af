"""MkDocs hook: writes the reference pages (every config key, every command) from the code at build time.

The config reference reads `sumchain.config.reference()` (every key with its type, default, allowed
names and engines, built from the components' descriptors) and the messages of `_validate`'s checks
(the allowed ranges a user is told on a bad value). The CLI reference reads each subcommand's argparse parser from `sumchain.cli.build_parser()`.
So neither page can drift from the code; this module is the only place that knows how they are laid
out. A key with no meaning below is a build warning, which `mkdocs build --strict` turns into a failure.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import logging
import sys
from pathlib import Path

from mkdocs.structure.files import File

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

log = logging.getLogger("mkdocs.plugins.sumchain_reference")

CONFIG_PAGE = "reference/config.md"
CLI_PAGE = "reference/cli.md"

MEANINGS = {
    "dataset": "where the samples come from: built in and offline (`synthetic`), the study's IMDB data, a text CSV or folder, a numeric table (see [Datasets](../concepts/datasets.md))",
    "num_words": "feature width: the most frequent words kept (or hash buckets)",
    "train_size": "fraction of the training data used for the initial, off-chain training",
    "seed": "seeds every random choice of the run",
    "data_path": "`dataset=imdb`, `text` or `csv`: the file (or `aclImdb` folder) to read",
    "max_train": "use only the first N training samples (all when empty)",
    "max_test": "use only the first N test samples (all when empty)",
    "test_fraction": "`dataset=text` or `csv` without a split of its own: the share of rows held out for testing",
    "text_column": "`dataset=text`: the CSV column holding the text",
    "label_column": "`dataset=text` or `csv`: the column holding the label",
    "features": "`dataset=text`: a vocabulary ranked on the training split, or hashing into `num_words` buckets",
    "csv_encoding": "`dataset=csv`: `thermometer` (binary features) or `standardised` (one value per column, for the dense model families)",
    "hash_seed": "`features=hashing`: the MurmurHash3 seed",
    "engine": "where the contract runs: plain Python objects on an in-memory ledger, the Vyper contract on an in-process EVM, or the same contract on an Ethereum node",
    "gas_price_gwei": "gas price: 0 keeps balances equal to the Python engine's; more makes every call cost `gas * price` to its sender",
    "rpc_url": "the JSON-RPC URL of the node; required with `engine=rpc`",
    "max_features": "the most present features a sample may have on the EVM (a deployment bound); a longer sample is refused, never truncated",
    "incentive": "the incentive mechanism (see [Incentive mechanisms](../concepts/incentives.md))",
    "cost_weight": "scales the cost of adding data (coins)",
    "learning_rate": "the on-chain perceptron step, in units of one off-chain update (fixed point: `round(1000 * learning_rate)` units)",
    "model": "the model family (see [Models](../concepts/models.md))",
    "naive_bayes.smoothing": "`model=naive_bayes`: additive smoothing of the counts",
    "logistic_regression.eta0": "`model=logistic_regression`: the step `eta0 * t0 / (t0 + t)`",
    "logistic_regression.t0": "`model=logistic_regression`: the step `eta0 * t0 / (t0 + t)`",
    "refund_wait_s": "how old a contribution must be (seconds) before a refund or report",
    "any_address_claim_wait_s": "after this (seconds) anyone may take what is left of a contribution",
    "owner_claim_wait_s": "after this (seconds) the contract's owner may take what is left (empty: the any-address wait)",
    "quality_priced.weight": "`incentive=quality_priced`: the surcharge's weight",
    "quality_priced.margin_scale": "`incentive=quality_priced`: the margin, in model score units, at which half the surcharge is charged",
    "prediction_market.bounty": "`incentive=prediction_market`: the bounty (coins)",
    "prediction_market.provider_balance": "`incentive=prediction_market`: the bounty provider's start balance (coins, >= the bounty)",
    "prediction_market.min_stake": "`incentive=prediction_market`: the stake each contribution takes (coins); the rest of what an agent offers stays with it",
    "prediction_market.num_portions": "`incentive=prediction_market`: test-set portions committed by hash (>= 2); one is revealed before the market opens",
    "prediction_market.min_length_s": "`incentive=prediction_market`: the market ends only after this many seconds and `min_num_contributions`",
    "prediction_market.min_num_contributions": "`incentive=prediction_market`: the market ends only after this many contributions and `min_length_s`",
    "prediction_market.group_contributions": "`incentive=prediction_market`: score a contributor's contributions together (SUM's option)",
    "prediction_market.reset_model": "`incentive=prediction_market`: restart every reward round from the deployed model (SUM's option)",
    "bad_share": "0 < share < 1: sets the malicious tables' waits so that this share of add attempts is theirs (see [Agents](../concepts/agents.md))",
    "wait_rounding": "how a drawn wait becomes whole seconds: `truncate` is the study's `int(normal(mean, stdev))`, `round` gives the exact mean",
    "depleted_pct": "threshold for `bad_depleted_day`, percent of start",
    "accuracy_interval_s": "seconds between accuracy measurements",
    "first_accuracy_s": "when accuracy is first measured (seconds)",
    "agents.<Name>.start_balance": "coins the agent starts with",
    "agents.<Name>.mean_deposit": "the mean value (coins) offered with each contribution",
    "agents.<Name>.stdev_deposit": "its standard deviation",
    "agents.<Name>.mean_update_wait_s": "mean seconds between turns",
    "agents.<Name>.stdev_update_wait_s": "its standard deviation",
    "agents.<Name>.honest": "`false` is `kind = \"flipper\"` (either key sets the other; both must agree)",
    "agents.<Name>.prob_mistake": "chance of flipping a label by mistake",
    "agents.<Name>.phase_s": "seconds added to the agent's first turn: where its turns fall between the others'",
    "agents.<Name>.kind": "what the table's agents do (see [Agents](../concepts/agents.md))",
    "agents.<Name>.count": "how many agents the table stands for, each with its own generator (`Name#1` ... on the chain)",
    "agents.<Name>.unsure_fraction": "`kind = \"unsure_flipper\"`: the share of samples, least sure first, that it flips",
    "agents.<Name>.lead_s": "`kind = \"timing\"`: seconds before the next honest turn at which it adds",
    "agents.<Name>.honest_days": "`kind = \"sleeper\"`: days of honest data before it flips every label",
    "agents.<Name>.fee": "`kind = \"caller\"`: coins each paid prediction offers",
    "agents.<Name>.push_copies": "`kind = \"model_pusher\"`: the most flipped copies it expects to need to turn the model around on a target",
}

def _checks(config) -> dict[str, list[str]]:
    """What `_validate` tells a user about each key: the messages of its `_check(condition, key, allowed, value)` calls."""
    found: dict[str, list[str]] = {}
    for node in ast.walk(ast.parse(inspect.getsource(config))):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_check" and len(node.args) >= 3):
            continue
        key_node, text_node = node.args[1], node.args[2]
        if isinstance(key_node, ast.BinOp) and isinstance(key_node.right, ast.Constant):
            key = "agents.<Name>." + key_node.right.value
        elif isinstance(key_node, ast.Constant):
            key = key_node.value
        else:
            continue
        if isinstance(text_node, ast.Constant):
            text = text_node.value
        elif isinstance(text_node, ast.JoinedStr):
            text = "".join(_part(config, part) for part in text_node.values)
        else:
            continue
        if not text.startswith("choose one of"):
            found.setdefault(key, []).append(text)
    return found


def _part(config, part: ast.expr) -> str:
    """A piece of a check's f-string: text, a module constant's value, or `...` where it depends on the config."""
    if isinstance(part, ast.Constant):
        return part.value
    if isinstance(part.value, ast.Name) and isinstance(getattr(config, part.value.id, None), (int, float)):
        return f"{getattr(config, part.value.id):,}"
    return "..."


def _value(value) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    return f"`{value}`"


def _config_rows(config) -> list[dict]:
    """Every key from `config.reference()` (built from the components' descriptors), agent keys named
    `agents.<Name>.key`, each agent key's default per default table where the tables differ."""
    agents = config._default_agents()
    rows = []
    for row in config.reference():
        key = row["key"].replace("agents.*.", "agents.<Name>.")
        default = _value(row["default"])
        if key.startswith("agents.<Name>."):
            values = [getattr(agent, key.rsplit(".", 1)[1]) for agent in agents]
            if len(set(map(repr, values))) > 1:
                default = ", ".join(f"{agent.name} {_value(v)}" for agent, v in zip(agents, values))
        rows.append({**row, "key": key, "default": default})
    return rows


def _engines(config, row: dict) -> str:
    return "all" if set(row["engines"]) >= set(config.ENGINES) else ", ".join(row["engines"])


def _group(key: str) -> str:
    if key.startswith("agents."):
        return "Agent keys (per agent table)"
    if "." in key:
        return f"The `{key.split('.')[0]}` table"
    return "Run keys"


def config_page() -> str:
    from sumchain import config

    checks = _checks(config)
    only = {"model": f"on evm and rpc only: {', '.join(config.EVM_MODELS)}",
            "incentive": f"python only: {', '.join(config.PYTHON_ONLY_INCENTIVES)}"}
    rows = sorted(_config_rows(config), key=lambda row: ("." in row["key"]) + row["key"].startswith("agents."))
    lines = ["# Configuration keys", "",
             "Every key for `--set key=value` and for TOML files (`--config`), generated from `sumchain.config`. "
             "Agents' keys are per table: `--set agents.Good.mean_deposit=5`, or an `[agents.Good]` table; a "
             "table for a new name adds an agent. A model's or a mechanism's table (`naive_bayes.*`, "
             "`quality_priced.*`, ...) is read only when `model` or `incentive` names it. How to use them: "
             "[Configure a run](../guides/configure.md).", ""]
    group = None
    for row in rows:
        key, kind, default = row["key"], row["type"], row["default"]
        if _group(key) != group:
            group = _group(key)
            lines += [f"## {group}", ""]
        meaning = MEANINGS.get(key)
        if meaning is None:
            log.warning("config key '%s' has no meaning in docs/hooks/reference.py", key)
            meaning = ""
        allowed = [", ".join(f"`{name}`" for name in row["allowed"])] if row["allowed"] else []
        allowed += checks.get(key, [])
        engines = _engines(config, row) + (f" ({only[key]})" if key in only else "")
        lines += [f"### `{key}`", "", meaning[:1].upper() + meaning[1:] + ".", "",
                  f"- type: `{kind.replace(' | None', '')}`{' or empty' if kind.endswith('| None') else ''}; "
                  f"default: {default}; engines: {engines}"]
        if allowed:
            lines.append(f"- allowed: {'; '.join(allowed)}")
        lines.append("")
    for key in MEANINGS.keys() - {row["key"] for row in rows}:
        log.warning("docs/hooks/reference.py describes '%s', which is not a config key", key)
    return "\n".join(lines) + "\n"


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def cli_page() -> str:
    from sumchain.cli import build_parser

    parser = build_parser()
    lines = ["# Commands", "", "Every `sumchain` command and option, generated from the command-line parser "
             "(the same text as `sumchain COMMAND --help`). Every command exits 2 with one line on stderr "
             "naming what was wrong when it is given a bad option, key or value.", ""]
    for name, sub in _subcommands(parser).items():
        lines += [f"## `sumchain {name}`", "", (sub.description or "").strip(), "", "```text",
                  sub.format_usage().strip(), "```", "", "| option | default | what it does |", "|---|---|---|"]
        for action in sub._actions:
            if isinstance(action, argparse._HelpAction):
                continue
            names = ", ".join(action.option_strings) or (action.metavar or action.dest)
            if action.option_strings and action.nargs != 0:
                names += f" {action.metavar or action.dest.upper()}"
            default = "" if action.default in (None, argparse.SUPPRESS, False, []) or action.nargs == 0 else _value(action.default)
            text = (action.help or "").replace("%(default)s", str(action.default)).replace("%%", "%")
            lines.append(f"| `{names}` | {default} | {text.replace('|', chr(92) + '|')} |")
        lines.append("")
    return "\n".join(lines)


def on_files(files, config):
    """Add the generated pages to the site (they are never written into docs/)."""
    for path, content in ((CONFIG_PAGE, config_page()), (CLI_PAGE, cli_page())):
        files.append(File.generated(config, path, content=content))
    return files
