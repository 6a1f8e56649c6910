"""Reference data and the synthetic network generator."""

from seed_data.generate import Generated, generate
from seed_data.load import seed_store
from seed_data.reference import Reference, load_reference

__all__ = ["Generated", "Reference", "generate", "load_reference", "seed_store"]
