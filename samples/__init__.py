"""Synthetic sample scans for hoso; the generator is ``samples.make_samples``."""
