"""Design-space scans (`l1cnn scan`): which points to evaluate (search.py), one point start to finish
(point.py, run as a Dask task), the store of finished points (store.py), and what they add up to
(results.py). Layer: above l1cnn/stages (a point runs the train and prune steps in memory), below
l1cnn/commands."""
