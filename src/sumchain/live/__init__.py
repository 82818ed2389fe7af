"""Live contracts: deploy a trainer on a real node and use it from the command line.

- `manifest.py`: the deployment manifest, what was deployed where (written by `sumchain deploy`,
  read by `sumchain contract ...`);
- `encoder.py`: how a client turns raw text into the deployed model's features, stored in the
  manifest so that every client encodes exactly as the training data was encoded.
"""
