"""Scale benchmark of wom-sim against a reference frontier kernel and peer libraries (see README.md)."""
