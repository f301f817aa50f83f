"""Load benchmarks of Cakap Desa (``make bench``, ``make bench-exam``, ``make bench-capacity``).

Nothing here is imported by the application; see docs/performance.md.
"""
