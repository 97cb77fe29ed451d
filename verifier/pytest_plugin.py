"""pytest plugin: taala's fixtures, registered through the `pytest11` entry point."""
