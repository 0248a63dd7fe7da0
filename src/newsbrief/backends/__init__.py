"""Model backends. Each is one module; the pipeline only sees the small protocols in translating.py
and summarising.py."""
