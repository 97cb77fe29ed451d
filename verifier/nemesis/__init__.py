"""Fault injection (the nemesis)."""
