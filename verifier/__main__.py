"""`python -m taala ...` is the same as the `taala` command."""

from taala.cli import main

main()
