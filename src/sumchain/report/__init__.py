"""Reports: plots and documents drawn from result tables after the runs, never from inside the loop."""
