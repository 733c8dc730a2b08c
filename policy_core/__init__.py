"""The restricted-contact policy as a pure library: no I/O, no asyncio, no clock."""
