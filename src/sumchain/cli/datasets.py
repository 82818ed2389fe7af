"""`sumchain datasets`: the available datasets, whether each loads offline now, and its size."""

from __future__ import annotations

import argparse

from sumchain.cli.options import add_config_options, config_from


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "datasets", help="list the datasets, their offline availability and size",
        description="List the datasets sumchain can load. To check a file of your own, give it with "
                    "--set dataset=text|csv|imdb --set data_path=PATH.")
    add_config_options(parser)
    parser.add_argument("--json", action="store_true", help="print the list as JSON on stdout")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from sumchain.data.catalog import catalog
    from sumchain.files import strict_json
    infos = catalog(config_from(args))
    if args.json:
        print(strict_json([info.to_dict() for info in infos]))
    else:
        print(table(infos))
    return 0


def table(infos) -> str:
    rows = [("dataset", "offline", "size", "status")]
    rows += [(i.name, "yes" if i.offline else "no", i.size(), i.status) for i in infos]
    widths = [max(len(row[k]) for row in rows) for k in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths)) + "  " + row[3] for row in rows]
    lines += [f"  {i.name}: {i.description}" for i in infos]
    return "\n".join(line.rstrip() for line in lines)
