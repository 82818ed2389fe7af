"""`sumchain serve`: a web app over a live contract (the contract app) and over run folders (the research
dashboard).

- `app.py`: the Starlette application: the JSON routes of both halves and the built front end;
- `chain_api.py`: the contract app's routes (models, a model's reads, predict, add, refund, report,
  history), on `sumchain.live.contract`, the code `sumchain contract ...` runs;
- `research_api.py`: the dashboard's routes over `--runs DIR` (the files runs, sweeps and studies
  wrote; nothing is recomputed);
- `static/`: the front end as built from `frontend/` (TypeScript, bundled by esbuild), shipped with
  the package so that installing sumchain never needs Node.js.
"""
