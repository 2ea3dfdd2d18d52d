"""The lab: broken chains and local broken servers to try clients and tlsdoctor against."""

DEFAULT_BASE_PORT = 18400
"""Port of the first scenario that ``tlsdoctor lab up`` starts."""
