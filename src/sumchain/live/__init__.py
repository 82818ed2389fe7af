"""Live contracts: deploy a trainer on a real node and use it from the command line.

- `manifest.py`: the deployment manifest, what was deployed where (written by `sumchain deploy`,
  read by `sumchain contract ...`);
- `encoder.py`: how a client turns raw text into the deployed model's features, stored in the
  manifest so that every client encodes exactly as the training data was encoded;
- `signers.py`: who signs a transaction (a key from the environment or a keystore, or a dev node's
  unlocked account), never from a command-line argument;
- `contract.py`: a deployed trainer opened from a manifest or an address, checked to be sumchain's
  code on the right chain, then read (parameters, costs, counts, events, claim previews) and sent to;
- `words.py`: amounts and claims in words and JSON, the same for `sumchain contract` and `sumchain serve`.
"""
