"""The research dashboard's JSON routes over `--runs DIR`, mounted under /api/research."""

from __future__ import annotations


def routes(runs_dir) -> list:
    return []
