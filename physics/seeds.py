"""The seed range every generator accepts (Pythia's: 0 would mean a time-based seed)."""

SEED_MIN, SEED_MAX = 1, 900_000_000
